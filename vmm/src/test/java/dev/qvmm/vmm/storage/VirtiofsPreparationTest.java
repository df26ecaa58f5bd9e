package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.launch.VirtiofsdCompanion;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a filesystem shares, as planned, and its daemon as prepared and closed, with the real virtiofsd. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtiofsPreparationTest {

    @TempDir
    Path dir;

    private static final String YAML = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: t}
            spec:
              domain:
                resources: {requests: {memory: 64Mi}}
                devices:
                  filesystems:
                  - {name: data, virtiofs: {}}
                  - {name: cm, virtiofs: {}}
                  - {name: hostcm, virtiofs: {}}
                  - {name: sa, virtiofs: {}}
              volumes:
              - {name: data, persistentVolumeClaim: {claimName: claim1}}
              - {name: cm, configMap: {name: in-stream}}
              - {name: hostcm, configMap: {name: on-host}}
              - {name: sa, serviceAccount: {serviceAccountName: default}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: in-stream}
            data: {a.conf: "one", b: "two"}
            """;

    private StoragePlan plan() {
        VmSpec spec = SpecReader.read(YAML, "t.yaml", SpecContext.defaults()).spec();
        HostFacts host = new HostFacts(dir.resolve("state/claims"), dir.resolve("run"), dir.resolve("images"), Accelerator.TCG,
                Set.of(), Map.of(), false, Path.of("/run/pr.sock"), false, 0, dir.resolve("state"));
        return StoragePlanner.plan(spec, host, QemuCapabilities.qemu72());
    }

    @Test
    void eachFilesystemSharesTheDirectoryKubeVirtWould() {
        Map<String, Artifact.StartVirtiofsd> starts = new TreeMap<>();
        plan().artifacts().forEach(a -> {
            if (a instanceof Artifact.StartVirtiofsd v) {
                starts.put(v.forName(), v);
            }
        });
        assertEquals(dir.resolve("state/claims/claim1"), starts.get("data").sharedDir(), "a claim directory itself, not its disk.img");
        assertEquals(dir.resolve("state/configmaps/on-host"), starts.get("hostcm").sharedDir());
        assertEquals(dir.resolve("state/serviceaccounts/default"), starts.get("sa").sharedDir());
        assertEquals(dir.resolve("run/virtiofs/cm.d/data"), starts.get("cm").sharedDir(), "a stream ConfigMap is written into the run");
        assertEquals(Set.of("a.conf", "b"), starts.get("cm").contents().orElseThrow().keys());
        assertTrue(starts.values().stream().allMatch(v -> v.socket().equals(dir.resolve("run/virtiofs/" + v.forName() + ".sock"))));
        assertEquals("memory-backend-memfd", plan().objects().getLast().toJson().path("qom-type").asText());
    }

    @Test
    void aNameThatWouldLeaveItsRootIsRefused() {
        VmmException read = assertThrows(VmmException.class, () -> SpecReader.read(YAML.replace("claimName: claim1",
                "claimName: ../../../etc"), "t.yaml", SpecContext.defaults()));
        assertEquals(VmmException.Kind.SPEC_INVALID, read.kind());
        assertTrue(read.problems().getFirst().path().endsWith(".persistentVolumeClaim.claimName"), read.getMessage());
        // A name the reader lets through for a disk (KubeVirt's own documents write vmi-shared_pvc) is still no
        // Kubernetes object name, and a share gets read-write access: the planner holds shares to the stricter rule.
        VmSpec spec = SpecReader.read(YAML.replace("claimName: claim1", "claimName: Claim_1"), "t.yaml",
                SpecContext.defaults()).spec();
        VmmException e = assertThrows(VmmException.class, () -> StoragePlanner.plan(spec, HostFacts.example(), QemuCapabilities.qemu72()));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind());
        assertEquals("spec.domain.devices.filesystems[0]", e.problems().getFirst().path());
        assertTrue(e.getMessage().contains("Claim_1"), e.getMessage());
    }

    @Test
    void aBlockClaimIsNoDirectoryToShare() {
        VmSpec spec = SpecReader.read(YAML + """
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: claim1}
                spec: {volumeMode: Block, resources: {requests: {storage: 1Gi}}}
                """, "t.yaml", SpecContext.defaults()).spec();
        VmmException e = assertThrows(VmmException.class, () -> StoragePlanner.plan(spec, HostFacts.example(), QemuCapabilities.qemu72()));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind());
        assertTrue(e.getMessage().contains("volumeMode Block"), e.getMessage());
    }

    @Test
    void aStreamConfigMapIsWrittenKubeletStyleServedAndRemovedWithItsDaemon() throws Exception {
        Artifact.StartVirtiofsd cm = plan().artifacts().stream().filter(a -> a instanceof Artifact.StartVirtiofsd v
                && v.forName().equals("cm")).map(a -> (Artifact.StartVirtiofsd) a).findFirst().orElseThrow();
        ArtifactPreparer.Prepared prepared = new ArtifactPreparer(QemuImg.onPath()).prepare(List.of(cm));
        Path shared = cm.sharedDir();
        assertEquals(1, prepared.companions().size());
        VirtiofsdCompanion c = (VirtiofsdCompanion) prepared.companions().getFirst();
        assertTrue(c.daemon().isAlive());
        assertTrue(Files.exists(cm.socket()));
        assertEquals(List.of("..data", "a.conf", "b"), entries(shared).stream().filter(n -> !n.startsWith("..2")).toList());
        assertTrue(Files.isSymbolicLink(shared.resolve("..data")) && Files.isSymbolicLink(shared.resolve("a.conf")));
        assertEquals(Path.of("..data/a.conf"), Files.readSymbolicLink(shared.resolve("a.conf")));
        assertEquals("one", Files.readString(shared.resolve("a.conf")));
        assertEquals(String.valueOf(c.daemon().pid()), Files.readString(cm.socket().resolveSibling("cm.pid")).trim());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(shared.getParent())), "no other host user reaches a stream Secret's copy");

        prepared.closeCompanions();
        assertFalse(c.daemon().isAlive());
        assertFalse(Files.exists(cm.socket()), "socket removed");
        assertFalse(Files.exists(shared.getParent()), "the run's copy of the ConfigMap goes with the daemon");
        assertFalse(c.failure().isDone(), "a daemon closed on purpose is no failure");
    }

    @Test
    void anUpdateSwapsDataAtomicallyAndDropsRemovedKeys() throws Exception {
        Path d = dir.resolve("km");
        KeyDirectory.write(d, Map.of("x", "1".getBytes(StandardCharsets.UTF_8), "y", "2".getBytes(StandardCharsets.UTF_8)));
        Path first = d.resolve(Files.readSymbolicLink(d.resolve("..data")));
        KeyDirectory.write(d, Map.of("x", "3".getBytes(StandardCharsets.UTF_8)));
        assertEquals("3", Files.readString(d.resolve("x")));
        assertFalse(Files.exists(d.resolve("y"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "a removed key's link goes");
        assertFalse(Files.exists(first), "the old timestamped directory goes");
        assertThrows(java.io.IOException.class, () -> KeyDirectory.write(d, Map.of("..evil", new byte[0])));
    }

    @Test
    void aMissingHostDirectoryNamesTheFilesystemAndTheDirectoryAndLeavesNothing() {
        Artifact.StartVirtiofsd host = plan().artifacts().stream().filter(a -> a instanceof Artifact.StartVirtiofsd v
                && v.forName().equals("hostcm")).map(a -> (Artifact.StartVirtiofsd) a).findFirst().orElseThrow();
        VmmException e = assertThrows(VmmException.class, () -> new ArtifactPreparer(QemuImg.onPath()).prepare(List.of(host)));
        assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, e.kind());
        assertEquals("hostcm", e.subject());
        assertTrue(e.getMessage().contains("filesystem \"hostcm\"") && e.getMessage().contains(host.sharedDir().toString()),
                e.getMessage());
        assertFalse(Files.exists(host.socket()));
    }

    @Test
    void aMissingClaimDirectoryIsMadeEmptyAndKeptAfterTheVm() throws Exception {
        Artifact.StartVirtiofsd data = plan().artifacts().stream().filter(a -> a instanceof Artifact.StartVirtiofsd v
                && v.forName().equals("data")).map(a -> (Artifact.StartVirtiofsd) a).findFirst().orElseThrow();
        assertTrue(data.createIfMissing());
        assertFalse(Files.exists(data.sharedDir()));
        ArtifactPreparer.Prepared prepared = new ArtifactPreparer(QemuImg.onPath()).prepare(List.of(data));
        assertTrue(Files.isDirectory(data.sharedDir()));
        Files.writeString(data.sharedDir().resolve("from-guest"), "x");
        prepared.removeEphemeral();
        assertEquals("x", Files.readString(data.sharedDir().resolve("from-guest")), "a claim is the user's");
    }

    @Test
    void aConfiguredBinaryThatIsNotThereIsReportedAndTheClaimMadeForItRolledBack() throws Exception {
        Artifact.StartVirtiofsd data = plan().artifacts().stream().filter(a -> a instanceof Artifact.StartVirtiofsd v
                && v.forName().equals("data")).map(a -> (Artifact.StartVirtiofsd) a).findFirst().orElseThrow();
        VmmException e = assertThrows(VmmException.class, () -> new ArtifactPreparer(QemuImg.onPath())
                .virtiofsd(Optional.of(dir.resolve("no-virtiofsd")), Optional.empty()).prepare(List.of(data)));
        assertEquals(VmmException.Kind.SOURCE_UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("no-virtiofsd"), e.getMessage());
        assertFalse(Files.exists(data.sharedDir()), "the empty claim directory this start made is undone");
    }

    private static List<String> entries(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
