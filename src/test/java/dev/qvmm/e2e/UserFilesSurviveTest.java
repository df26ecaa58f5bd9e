package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * User files planted wherever a bad name could lead (beside and above the state directory, in it,
 * in claims, a hostDisk) survive every way a VM ends: refused for its name, a clean stop, a QEMU
 * that fails to start, a preparation rolled back, {@code qvmm run} killed with SIGKILL, and a
 * daemon delete. Each is checked byte for byte, and no file appears outside the state directory.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class UserFilesSurviveTest {

    @TempDir
    Path top;

    @BeforeAll
    static void buildGuest() throws Exception {
        RunCliTest.guest = ProbeGuest.build();
    }

    @AfterEach
    void killWhatTheTestLeft() throws IOException {
        DaemonTest.killAll();
    }

    private Path work() {
        return top.resolve("work");
    }

    private Path state() {
        return work().resolve("state");
    }

    /** Planted user files, by path: above the checkout of the test, beside state/, in it, in a claim, a hostDisk. */
    private Map<Path, String> plant() throws Exception {
        List<Path> files = List.of(top.resolve("outside/victim/file"), top.resolve("x/file"), work().resolve("x/file"),
                work().resolve("victim/disk.img"), state().resolve("user-file"), state().resolve("run/user-file"),
                state().resolve("claims/data/disk.img"), state().resolve("claims/data/notes.txt"), top.resolve("host/mine.raw"),
                state().resolve("vms/user-file"));
        for (Path f : files) {
            Files.createDirectories(f.getParent());
            if (f.getFileName().toString().endsWith(".img") || f.getFileName().toString().endsWith(".raw")) {
                HostImages.raw(f, 8L << 20);
                try (java.io.RandomAccessFile r = new java.io.RandomAccessFile(f.toFile(), "rw")) {
                    r.write(("user data at " + f).getBytes());
                }
            } else {
                Files.writeString(f, "user data at " + f);
            }
        }
        return sums();
    }

    /** Every regular file under the test's root but qvmm's own places and the test's logs: path -> sha256. */
    private Map<Path, String> sums() throws Exception {
        Map<Path, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(top)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                boolean qvmms = f.startsWith(state()) && !name.equals("user-file") && !name.equals("notes.txt")
                        && !f.equals(state().resolve("claims/data/disk.img"));
                boolean logs = f.getParent().equals(work()) && (name.endsWith(".out") || name.endsWith(".err") || name.endsWith(".yaml"));
                if (!qvmms && !logs) {
                    out.put(top.relativize(f), sha256(f));
                }
            }
        }
        return out;
    }

    private static String sha256(Path f) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private String probe(String name, String kernelArgs) {
        return RunCliTest.spec(name, kernelArgs, """
                      - {name: data, disk: {bus: virtio}}
                      - {name: mine, disk: {bus: virtio}}
                """, """
                  - {name: data, persistentVolumeClaim: {claimName: data}}
                  - {name: mine, hostDisk: {path: %s, type: Disk}}
                """.formatted(top.resolve("host/mine.raw")));
    }

    @Test
    void hostileNamesAreRefusedBeforeAnythingIsCreated() throws Exception {
        Map<Path, String> before = plant();
        String good = probe("good", "");
        Map<String, String> hostile = new TreeMap<>();
        hostile.put("traversal", good.replace("metadata: {name: good}", "metadata: {name: \"../../../outside/victim\"}"));
        hostile.put("absolute", good.replace("metadata: {name: good}", "metadata: {name: \"" + top.resolve("x") + "\"}"));
        hostile.put("dotdot", good.replace("metadata: {name: good}", "metadata: {name: \"..\"}"));
        hostile.put("dot", good.replace("metadata: {name: good}", "metadata: {name: \".\"}"));
        hostile.put("slash", good.replace("metadata: {name: good}", "metadata: {name: \"a/b\"}"));
        hostile.put("claim", good.replace("claimName: data", "claimName: \"../../victim\""));
        hostile.put("claim-absolute", good.replace("claimName: data", "claimName: \"" + work().resolve("victim") + "\""));
        hostile.put("disk", good.replace("{name: scratch, disk:", "{name: \"../../../x/file\", disk:")
                .replace("{name: scratch, emptyDisk:", "{name: \"../../../x/file\", emptyDisk:"));
        hostile.put("kernel", good.replace("kernelPath: /vmlinux", "kernelPath: /../../../../../etc/passwd"));
        for (Map.Entry<String, String> h : hostile.entrySet()) {
            Files.writeString(work().resolve(h.getKey() + ".yaml"), h.getValue());
            QvmmCli.Result r = QvmmCli.run(Duration.ofSeconds(60), "run", "--state-dir", state().toString(),
                    work().resolve(h.getKey() + ".yaml").toString());
            assertEquals(2, r.exitCode(), () -> h.getKey() + ": " + r);
            assertTrue(r.stderr().contains("is not a valid name") || r.stderr().contains("stay inside its image"),
                    () -> h.getKey() + ": " + r);
        }
        assertEquals(before, sums(), "no user file changed and no file appeared outside the state directory");
        assertFalse(Files.exists(state().resolve("run/good")));
        try (Stream<Path> s = Files.list(state().resolve("run"))) {
            assertEquals(List.of(state().resolve("run/user-file")), s.toList(), "no run directory was made for a refused VM");
        }
    }

    @Test
    void aCleanStopAFailedStartAndARollbackLeaveUserFilesAlone() throws Exception {
        Map<Path, String> before = plant();
        // A clean stop: the guest reports and powers off, qvmm run exits 0 and removes its run directory.
        RunCliTest.Running clean = RunCliTest.Running.start(work(), "clean", probe("clean", ""));
        assertEquals(0, clean.awaitExit(), clean::toString);
        assertFalse(Files.exists(clean.runDir()), clean::toString);
        assertEquals(before, sums(), "after a clean stop");

        // A failed start: QEMU refuses the kernel (the initrd given as one) and exits before its monitor answers.
        RunCliTest.Running failed = RunCliTest.Running.start(work(), "failed",
                probe("failed", "").replace("kernelPath: /vmlinux", "kernelPath: /initrd.img"));
        assertEquals(1, failed.awaitExit(), failed::toString);
        assertEquals(before, sums(), "after a failed start");

        // A rollback: the emptyDisk is made, then the ConfigMap's directory is missing; what was made goes again.
        RunCliTest.Running rolled = RunCliTest.Running.start(work(), "rolled", RunCliTest.spec("rolled", "", """
                      - {name: cfg, disk: {bus: virtio}}
                """, """
                  - {name: cfg, configMap: {name: nowhere}}
                """));
        assertNotEquals(0, rolled.awaitExit(), rolled::toString);
        assertFalse(Files.exists(rolled.runDir().resolve("empty-disks")), rolled::toString);
        assertEquals(before, sums(), "after a rollback");
    }

    @Test
    void aKilledRunAndADaemonDeleteLeaveUserFilesAlone() throws Exception {
        Map<Path, String> before = plant();
        // qvmm run killed with SIGKILL while the guest runs (it ticks forever on its scratch disk).
        RunCliTest.Running killed = RunCliTest.Running.start(work(), "killed", probe("killed", "qvmm_tick=vda"));
        killed.awaitStdout("QVMM tick");
        long qemu = killed.qemuPid();
        killed.signal("KILL");
        killed.awaitExit();
        ProcessHandle.of(qemu).ifPresent(ProcessHandle::destroyForcibly);
        ProcessHandle.of(qemu).ifPresent(p -> p.onExit().join());
        assertEquals(before, sums(), "after SIGKILL");

        // The daemon: create (the guest boots and ticks), delete; the claim and hostDisk are the user's.
        DaemonTest.Daemon d = DaemonTest.Daemon.start(state());
        Files.writeString(work().resolve("kept.yaml"), probe("kept", "qvmm_tick=vda"));
        QvmmCli.Result created = d.cli("create", work().resolve("kept.yaml").toString());
        assertEquals(0, created.exitCode(), created::toString);
        DaemonTest.awaitConsole(d.console("kept"), "QVMM tick", 1);
        QvmmCli.Result deleted = d.cli("delete", "--grace", "2", "kept");
        assertEquals(0, deleted.exitCode(), deleted::toString);
        assertFalse(Files.exists(state().resolve("run/kept")), "the deleted VM's run directory is gone");
        assertFalse(Files.exists(state().resolve("vms/kept")), "the deleted VM's record is gone");
        assertEquals(before, sums(), "after a daemon delete");
    }
}
