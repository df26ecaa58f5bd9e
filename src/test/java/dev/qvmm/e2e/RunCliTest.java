package dev.qvmm.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code qvmm run} as a user drives it from a terminal: signals, exit codes, what it leaves on
 * the host. The guest is the probe guest, told to stay up after its report.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RunCliTest {

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    static String spec(String name, String kernelArgs, String extraDisks, String extraVolumes) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1 %s"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      disks:
                      - {name: scratch, disk: {bus: virtio}, serial: SCRATCH}
                %s
                  volumes:
                  - {name: scratch, emptyDisk: {capacity: 16Mi}}
                %s
                """.formatted(name, kernelArgs, guest, extraDisks, extraVolumes);
    }

    /** A {@code scripts/qvmm run} in the background, its output in files. */
    record Running(Process process, Path stdout, Path stderr, Path state, String vm) {
        static Running start(Path dir, String vm, String yaml, String... options) throws IOException {
            Path file = dir.resolve(vm + ".yaml");
            Files.writeString(file, yaml);
            Path state = dir.resolve("state");
            List<String> argv = new java.util.ArrayList<>(List.of(QvmmCli.CHECKOUT.resolve("scripts/qvmm").toString(), "run",
                    "--state-dir", state.toString(), "--allow-path", "/"));
            argv.addAll(List.of(options));
            argv.add(file.toString());
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().put("QVMM_SKIP_BUILD", "1");
            Path out = dir.resolve(vm + ".out");
            Path err = dir.resolve(vm + ".err");
            return new Running(pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err, state, vm);
        }

        Path runDir() {
            return state.resolve("run").resolve(vm);
        }

        void awaitStdout(String text) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ProbeGuest.BOOT_DEADLINE_SECONDS);
            while (!Files.readString(stdout).contains(text)) {
                assertTrue(process.isAlive(), () -> "qvmm run exited early:\n" + this);
                assertTrue(System.nanoTime() < deadline, () -> "the guest never printed " + text + ":\n" + this);
                Thread.sleep(50);
            }
        }

        long qemuPid() throws IOException {
            return Long.parseLong(Files.readString(runDir().resolve("qemu.pid")).trim());
        }

        int awaitExit() throws Exception {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), () -> "qvmm run did not exit:\n" + this);
            return process.exitValue();
        }

        void signal(String sig) throws Exception {
            new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start().waitFor();
        }

        @Override
        public String toString() {
            try {
                return "--- stdout ---\n" + Files.readString(stdout) + "--- stderr ---\n" + Files.readString(stderr);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    static void assertGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(Path.of("/proc/" + pid))) {
            assertTrue(System.nanoTime() < deadline, "QEMU pid " + pid + " is still alive");
            Thread.sleep(20);
        }
    }

    @Test
    void qemuNeverOutlivesAQvmmRunKilledWithSigkill(@TempDir Path dir) throws Exception {
        Running run = Running.start(dir, "orphan", spec("orphan", "qvmm_stay=1", "", ""));
        run.awaitStdout("QVMM done");
        long qemu = run.qemuPid();
        run.signal("KILL");
        run.awaitExit();
        assertGone(qemu);
    }

    @Test
    void ctrlCStopsTheGuestGracefullyAndCleansUp(@TempDir Path dir) throws Exception {
        Running run = Running.start(dir, "polite", spec("polite", "qvmm_stay=1", "", ""), "--grace", "2");
        run.awaitStdout("QVMM done");
        long qemu = run.qemuPid();
        run.signal("INT");
        assertEquals(0, run.awaitExit(), run::toString);
        String err = Files.readString(run.stderr());
        assertTrue(err.contains("Stopping StopRequested"), err);
        assertTrue(err.contains("Succeeded StopRequested"), err);
        assertGone(qemu);
        assertFalse(Files.exists(run.runDir()), "the run directory goes with the VM:\n" + run);
        try (Stream<Path> left = Files.walk(run.state())) {
            assertTrue(left.noneMatch(p -> p.toString().endsWith(".qcow2")), "the emptyDisk is removed with the VM");
        }
    }

    @Test
    void aSecondCtrlCKillsAtOnce(@TempDir Path dir) throws Exception {
        Running run = Running.start(dir, "impatient", spec("impatient", "qvmm_stay=1", "", ""), "--grace", "60");
        run.awaitStdout("QVMM done");
        long qemu = run.qemuPid();
        long start = System.nanoTime();
        run.signal("INT");
        Thread.sleep(300); // two separate key presses, not one signal delivered twice
        run.signal("INT");
        assertEquals(1, run.awaitExit(), run::toString);
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 30, "did not wait out the 60 s grace");
        assertTrue(Files.readString(run.stderr()).contains("killed by signal 9"), run::toString);
        assertGone(qemu);
    }

    @Test
    void invalidInputExits2WithEveryErrorAndCreatesNothing(@TempDir Path dir) throws Exception {
        String yaml = spec("invalid", "", "      - {name: scratch2, disk: {bus: ide}, bootOrder: 0}",
                "  - {name: unused, emptyDisk: {capacity: 0}}");
        Running run = Running.start(dir, "invalid", yaml);
        assertEquals(2, run.awaitExit(), run::toString);
        String err = Files.readString(run.stderr());
        assertTrue(err.contains("disks[1]"), "names the field path:\n" + err);
        assertTrue(err.lines().filter(l -> l.startsWith("  ")).count() >= 3, "every problem in one pass:\n" + err);
        assertFalse(Files.exists(run.state().resolve("run")), "nothing was created:\n" + run);
    }

    @Test
    void aMissingHostDiskNamesTheVolumeAndRollsBackWhatWasCreated(@TempDir Path dir) throws Exception {
        Path created = dir.resolve("made/new.img");
        String yaml = spec("missing", "",
                "      - {name: made, disk: {bus: virtio}}\n      - {name: absent, disk: {bus: virtio}}",
                "  - {name: made, hostDisk: {path: " + created + ", type: DiskOrCreate, capacity: 8Mi}}\n"
                        + "  - {name: absent, hostDisk: {path: " + dir.resolve("nope.img") + ", type: Disk}}");
        Running run = Running.start(dir, "missing", yaml);
        assertEquals(1, run.awaitExit(), run::toString);
        String err = Files.readString(run.stderr());
        assertTrue(err.contains("volume \"absent\"") && err.contains("nope.img"), err);
        assertFalse(Files.exists(created), "the DiskOrCreate image made for this failed start is rolled back");
        assertFalse(Files.exists(created.getParent()), "and so is the directory made for it");
        assertFalse(Files.exists(run.runDir()), "no run directory is left behind:\n" + run);
    }

    @Test
    void qemuRefusingToStartIsReportedInItsOwnWordsAndTheLogsAreKept(@TempDir Path dir) throws Exception {
        Path noKernel = Files.createDirectories(dir.resolve("empty-kernel-dir"));
        String yaml = spec("nokernel", "", "", "").replace(guest.toString(), noKernel.toString());
        Running run = Running.start(dir, "nokernel", yaml);
        assertEquals(1, run.awaitExit(), run::toString);
        String err = Files.readString(run.stderr());
        assertTrue(err.contains("QEMU said") && err.contains("vmlinux"), "QEMU's own error is shown:\n" + err);
        assertTrue(Files.exists(run.runDir().resolve("qemu.log")), "qemu.log is kept for the user:\n" + run);
    }
}
