package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code qvmm run} in-process with DataVolumes named as claims: bad input is refused with its
 * field path before anything is made (the state directory stays without claims and runs), and
 * an import that fails names the volume, the DataVolume and its source, and leaves nothing.
 */
class DataVolumeClaimRunTest {

    @TempDir
    Path dir;

    private record Run(int code, String err) {
    }

    private Run run(String yaml) throws Exception {
        Path vm = Files.writeString(dir.resolve("vm.yaml"), yaml);
        StringWriter err = new StringWriter();
        CommandLine cl = QvmmCommand.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> cl.execute("run", "--state-dir", dir.resolve("state").toString(),
                "--allow-path", dir.toString(), "--accel", "tcg", "--no-console", "--start-timeout", "20", vm.toString()));
        return new Run(code, err.toString());
    }

    private static String vm(String claim) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: dvc}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: data, disk: {bus: virtio}}
                  volumes:
                  - {name: data, persistentVolumeClaim: {claimName: %s}}
                """.formatted(claim);
    }

    private static String dataVolume(String name, String source) {
        return """
                ---
                apiVersion: cdi.kubevirt.io/v1beta1
                kind: DataVolume
                metadata: {name: %s}
                spec:
                  source: %s
                  storage: {resources: {requests: {storage: 64Mi}}}
                """.formatted(name, source);
    }

    private void assertNothingMade() throws Exception {
        Path state = dir.resolve("state");
        for (String sub : new String[]{"claims", "run"}) {
            Path p = state.resolve(sub);
            if (Files.isDirectory(p)) {
                try (var files = Files.list(p)) {
                    assertEquals(0, files.count(), () -> p + " is not empty");
                }
            }
        }
    }

    @Test
    void aClaimNamedLikeADataVolumeAndAPvcOfThatNameIsRefusedBeforeAnythingIsMade() throws Exception {
        Run r = run(vm("twin") + dataVolume("twin", "{blank: {}}") + """
                ---
                {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: twin}, spec: {resources: {requests: {storage: 64Mi}}}}
                """);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("PersistentVolumeClaim/twin: metadata.name"), r.err());
        assertTrue(r.err().contains("DataVolume \"twin\""), r.err());
        assertNothingMade();
    }

    @Test
    void aDataVolumeGivenTwiceIsRefusedNamingBothPlaces() throws Exception {
        Run r = run(vm("twice") + dataVolume("twice", "{blank: {}}") + dataVolume("twice", "{blank: {}}"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("DataVolume/twice: metadata.name") && r.err().contains("given twice"), r.err());
        assertNothingMade();
    }

    @Test
    void theDaemonStartsARunningFalseVmOnlyAfterItsImportsAndAFailedOneNamesTheDataVolumeAndSource() throws Exception {
        Path missing = dir.resolve("no-such-image.qcow2");
        Path yaml = Files.writeString(dir.resolve("halted.yaml"), """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: dvc}
                spec:
                  running: false
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices: {disks: [{name: data, disk: {bus: virtio}}]}
                      volumes: [{name: data, persistentVolumeClaim: {claimName: imported}}]
                """ + dataVolume("imported", "{http: {url: \"file://" + missing + "\"}}"));
        Path state = dir.resolve("state");
        Files.createDirectories(state);
        try (RealDaemon daemon = new RealDaemon(state)) {
            String socket = daemon.socket.toString();
            RealDaemon.Run created = RealDaemon.cli("create", "--socket", socket, yaml.toString());
            assertEquals(0, created.code(), created.err());
            assertFalse(Files.exists(state.resolve("claims/imported")), "running: false: nothing is imported before a start");
            RealDaemon.Run started = RealDaemon.cli("start", "--socket", socket, "dvc");
            assertTrue(started.code() != 0, started.out());
            assertTrue(started.err().contains("DataVolume \"imported\"") && started.err().contains(missing.toString()), started.err());
            RealDaemon.Run status = RealDaemon.cli("status", "--socket", socket, "dvc");
            assertFalse(status.out().contains("qemuPid"), "QEMU never started: " + status.out());
            assertFalse(Files.exists(state.resolve("claims/imported/disk.img")), "a failed import leaves no image");
        }
    }

    @Test
    void aFailedImportOfADataVolumeNamedAsAClaimNamesItAndItsSourceAndLeavesNothing() throws Exception {
        Path missing = dir.resolve("no-such-image.qcow2");
        Run r = run(vm("imported") + dataVolume("imported", "{http: {url: \"file://" + missing + "\"}}"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("volume \"data\": DataVolume \"imported\""), r.err());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertFalse(r.err().contains("no disk.img and no requested size"), "it is imported, not taken for a plain claim: " + r.err());
        assertFalse(Files.exists(dir.resolve("state/claims/imported/disk.img")), "a failed import leaves no image");
    }
}
