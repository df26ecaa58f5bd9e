package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.host.Accelerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.command.BlockDeviceInfo;
import dev.qvmm.qmp.command.IOThreadInfo;
import dev.qvmm.qmp.command.QomGet;
import dev.qvmm.qmp.command.QueryIothreads;
import dev.qvmm.qmp.command.QueryNamedBlockNodes;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planned argv is accepted by the real QEMU (7.2 here): images are made with qemu-img as the
 * artifact step would, QEMU starts under {@code -S} with TCG, and QMP shows that what runs is what
 * the spec asked for: iothreads, each device's num-queues / iothread / serial / bootindex /
 * share-rw / write-cache / discard, and each node's read-only, cache.direct and detect-zeroes.
 */
class QemuAcceptsPlanTest {

    static final String QEMU = System.getenv().getOrDefault("QVMM_QEMU", "qemu-system-x86_64");

    @TempDir
    Path dir;

    private static final String SPEC = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: probe}
            spec:
              domain:
                ioThreadsPolicy: auto
                cpu: {cores: 2}
                resources: {requests: {memory: 128Mi}}
                devices:
                  blockMultiQueue: true
                  disks:
                  - {name: root, disk: {bus: virtio}, serial: ROOT-1, bootOrder: 1, dedicatedIOThread: true}
                  - {name: scratch, disk: {bus: virtio}, cache: writethrough, errorPolicy: report}
                  - {name: shared, disk: {bus: virtio}, shareable: true}
                  - {name: thick, disk: {bus: virtio}}
                  - {name: overlay, disk: {bus: virtio, readonly: true}}
                  - {name: install, cdrom: {}, bootOrder: 2}
                  - {name: data, disk: {bus: scsi}, cache: writeback, serial: DATA-2}
                  - {name: stick, disk: {bus: usb}}
                  - {name: config, disk: {}}
              volumes:
              - {name: root, persistentVolumeClaim: {claimName: root}}
              - {name: scratch, emptyDisk: {capacity: 64Mi}}
              - {name: shared, persistentVolumeClaim: {claimName: shared}}
              - {name: thick, persistentVolumeClaim: {claimName: thick}}
              - {name: overlay, ephemeral: {persistentVolumeClaim: {claimName: base}}}
              - {name: install, persistentVolumeClaim: {claimName: iso}}
              - {name: data, emptyDisk: {capacity: 32Mi}}
              - {name: stick, hostDisk: {path: HOSTDISK, type: DiskOrCreate, capacity: 16Mi}}
              - {name: config, configMap: {name: app-config}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: thick
              annotations: {cdi.kubevirt.io/storage.preallocation: "true"}
            spec: {resources: {requests: {storage: 32Mi}}}
            """;

    @Test
    void qemuRunsWhatThePlanSays() throws Exception {
        Path hostDisk = dir.resolve("host/stick.img");
        String yaml = SPEC.replace("HOSTDISK", hostDisk.toString());
        HostFacts facts = new HostFacts(dir.resolve("claims"), dir.resolve("run"), dir.resolve("images"),
                Accelerator.TCG, Set.of(), Map.of(), false, dir.resolve("pr.sock"), false, 2, dir);
        StoragePlan plan = StoragePlanner.plan(SpecReader.read(yaml, "probe.yaml", SpecContext.defaults()).spec(), facts,
                new QemuCapabilities(QEMU, "7.2", false));
        prepare(plan);

        Path socket = dir.resolve("qmp.sock");
        List<String> argv = new ArrayList<>(ArgvRenderer.argv(plan));
        argv.addAll(List.of("-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
        Path log = dir.resolve("qemu.log");
        Process qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!dev.qvmm.vmm.launch.UnixSockets.listening(socket)) {
                assertTrue(qemu.isAlive(), () -> "QEMU refused the planned argv:\n" + read(log) + "\nargv:\n" + String.join("\n", argv));
                assertTrue(System.nanoTime() < deadline, "no QMP socket within 30 s");
                Thread.sleep(10);
            }
            try (QmpClient qmp = QmpClient.connect(socket)) {
                List<String> threads = qmp.execute(new QueryIothreads()).get(10, TimeUnit.SECONDS).stream()
                        .map(IOThreadInfo::id).sorted().toList();
                assertEquals(List.of("iothread1", "iothread2", "iothread3", "iothread4"), threads);

                assertEquals(2, qom(qmp, "ua-root", "num-queues").asInt());
                // 1 dedicated + 8 shared disks, auto with 2 vCPUs: 3 shared threads, the dedicated one is 4.
                assertEquals("/objects/iothread4", qom(qmp, "ua-root", "iothread").asText());
                assertEquals("/objects/iothread1", qom(qmp, "ua-overlay", "iothread").asText());
                assertEquals("/objects/iothread1", qom(qmp, "ua-scratch", "iothread").asText());
                assertEquals("/objects/iothread2", qom(qmp, "ua-shared", "iothread").asText());
                assertEquals("ROOT-1", qom(qmp, "ua-root", "serial").asText());
                assertEquals(1, qom(qmp, "ua-root", "bootindex").asInt());
                assertEquals(2, qom(qmp, "ua-install", "bootindex").asInt());
                assertEquals("DATA-2", qom(qmp, "ua-data", "serial").asText());
                assertTrue(qom(qmp, "ua-shared", "share-rw").asBoolean());
                assertEquals(false, qom(qmp, "ua-root", "share-rw").asBoolean());
                assertEquals("off", qom(qmp, "ua-scratch", "write-cache").asText());
                assertEquals("on", qom(qmp, "ua-data", "write-cache").asText());
                assertEquals("report", qom(qmp, "ua-scratch", "werror").asText());
                assertEquals("stop", qom(qmp, "ua-root", "rerror").asText());
                assertEquals(false, qom(qmp, "ua-thick", "discard").asBoolean());
                assertTrue(qom(qmp, "ua-root", "discard").asBoolean());

                Map<String, BlockDeviceInfo> nodes = qmp.execute(new QueryNamedBlockNodes(true)).get(10, TimeUnit.SECONDS)
                        .stream().filter(n -> n.nodeName() != null && !n.nodeName().startsWith("#"))
                        .collect(Collectors.toMap(BlockDeviceInfo::nodeName, Function.identity()));
                for (DiskPlan d : plan.disks()) {
                    for (BlockNode n : d.nodes()) {
                        BlockDeviceInfo info = nodes.get(n.nodeName().value());
                        assertTrue(info != null, "node " + n.nodeName() + " is not in QEMU: " + nodes.keySet());
                        assertEquals(n.options().readOnly(), info.ro(), n.nodeName() + " read-only");
                        assertEquals(n.options().cacheDirect(), info.cache().direct(), n.nodeName() + " cache.direct");
                        assertEquals(n.options().detectZeroes().qemu(), info.detectZeroes(), n.nodeName() + " detect-zeroes");
                    }
                }
                assertTrue(nodes.get("d-root").cache().direct());
                assertEquals(false, nodes.get("d-scratch").cache().direct());
                assertTrue(nodes.get("d-install").ro(), "the cdrom is read-only");
                assertTrue(nodes.get("d-overlay").ro(), "an ephemeral base is read-only");
                assertTrue(nodes.get("o-overlay").ro(), "a readonly disk's overlay is read-only");
                assertEquals("off", nodes.get("d-thick").detectZeroes());
                assertEquals("unmap", nodes.get("d-root").detectZeroes());
            }
        } finally {
            qemu.destroyForcibly();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Golden cases whose layouts the probe above does not cover (extra AHCI controller, floppy on
     * isa-fdc, v1alpha1 overlays, scsi controller iothread, every bus, io_uring, KubeVirt's tables)
     * start in QEMU too, with their run directory moved into a temp dir.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"sata-seven-disks", "ex-v1alpha1-floppy-registrydisk",
            "iothreads-scsi-controller", "ex-buses-and-boot", "ex-iothreads-auto", "ex-iothreads-shared", "io-uring",
            "error-policies", "readonly-disks", "ex-configmap-secret-serviceaccount-disks", "ex-downward-metrics",
            "ex-downward-metrics-port", "blocksize-custom"})
    void goldenLayoutsStart(String name) throws Exception {
        String yaml = Files.readString(Golden.DIR.resolve(name + ".yaml")).replace("/var/lib/images/", dir + "/images/");
        HostFacts g = Golden.facts(yaml);
        HostFacts facts = new HostFacts(dir.resolve("claims"), dir.resolve("run"), dir.resolve("store"), Accelerator.TCG,
                Set.of(), Map.of(), false, dir.resolve("pr.sock"), g.preferIoUring(), g.spareRootPorts(), dir);
        StoragePlan plan = StoragePlanner.plan(SpecReader.read(yaml, name, SpecContext.defaults()).spec(), facts,
                new QemuCapabilities(QEMU, "7.2", g.preferIoUring()));
        prepare(plan);
        Path socket = dir.resolve("qmp.sock");
        List<String> argv = new ArrayList<>(ArgvRenderer.argv(plan));
        argv.addAll(List.of("-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
        Path log = dir.resolve("qemu.log");
        Process qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!dev.qvmm.vmm.launch.UnixSockets.listening(socket)) {
                assertTrue(qemu.isAlive(), () -> name + ": QEMU refused the planned argv:\n" + read(log));
                assertTrue(System.nanoTime() < deadline, "no QMP socket within 30 s");
                Thread.sleep(10);
            }
            try (QmpClient qmp = QmpClient.connect(socket)) {
                assertEquals(plan.iothreads().count(), qmp.execute(new QueryIothreads()).get(10, TimeUnit.SECONDS).size());
                for (DiskPlan d : plan.disks()) {
                    assertEquals(d.device().driver(), qom(qmp, d.device().id(), "type").asText(), d.name());
                }
            }
        } finally {
            qemu.destroyForcibly();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static JsonNode qom(QmpClient qmp, String id, String property) throws Exception {
        return qmp.execute(new QomGet("/machine/peripheral/" + id, property)).get(10, TimeUnit.SECONDS);
    }

    /** What the artifact step will do, done here with qemu-img (ISOs and pulled disks stand in as raw files). */
    static void prepare(StoragePlan plan) throws Exception {
        for (Artifact a : plan.artifacts()) {
            switch (a) {
                case Artifact.EnsureClaimImage c -> img("raw", c.path(), c.requestedBytes().orElse(64L << 20), null);
                case Artifact.CreateEmptyDisk e -> img("qcow2", e.path(), e.sizeBytes(), null);
                case Artifact.CreateOverlay o -> {
                    if (!Files.exists(o.backing())) {
                        img("raw", o.backing(), 32L << 20, null);
                    }
                    img("qcow2", o.path(), 0, o.backing());
                }
                case Artifact.CreateHostDisk h -> img("raw", h.path(), h.sizeBytes(), null);
                case Artifact.RequireHostDisk h -> img("raw", h.path(), 16L << 20, null);
                case Artifact.RequireBlockDevice b -> throw new IllegalStateException("host devices are not part of this test");
                case Artifact.BuildIso i -> img("raw", i.path(), 1L << 20, null);
                case Artifact.PullContainerDisk p -> img("raw", p.diskPath(), 32L << 20, null);
                case Artifact.ImportDataVolume d -> img("raw", d.path(), d.sizeBytes().orElse(32L << 20), null);
                case Artifact.DownwardMetricsDisk d -> img("raw", d.path(), 1L << 20, null);
                // QEMU's chardev reconnects until something listens: QEMU starts without the server.
                case Artifact.DownwardMetricsPort p -> Files.createDirectories(p.socket().getParent());
                case Artifact.StartVirtiofsd v -> throw new IllegalStateException("virtiofs is not part of this test");
                case Artifact.RequirePrHelper p -> throw new IllegalStateException("pr-helper is not part of this test");
                case Artifact.CreateTap t -> throw new IllegalStateException("bridged NICs are not part of this test");
                case Artifact.CopyEfiVars v -> {
                    Files.createDirectories(v.path().getParent());
                    Files.copy(v.template(), v.path());
                }
            }
        }
    }

    private static void img(String format, Path path, long size, Path backing) throws Exception {
        Files.createDirectories(path.getParent());
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", format));
        if (backing != null) {
            cmd.addAll(List.of("-b", backing.toString(), "-F", "raw"));
        }
        cmd.add(path.toString());
        if (backing == null) {
            cmd.add(Long.toString(size));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "qemu-img hung");
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ": " + new String(readAll(p)));
    }

    private static byte[] readAll(Process p) {
        try {
            return p.getInputStream().readAllBytes();
        } catch (IOException e) {
            return e.toString().getBytes();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

}
