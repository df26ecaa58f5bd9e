package dev.qvmm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KubeVirt's run strategies in the daemon, with the probe guest: Always starts a guest that
 * powered itself off again, RerunOnFailure only a VM whose QEMU died, and a stop ends both for
 * good. Read from the daemon's event stream ({@code qvmm events --output json}), as an operator would.
 */
class DaemonRunStrategyTest {

    private static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    @AfterEach
    void killWhatTheTestLeft() throws IOException {
        DaemonTest.killAll();
    }

    /** A VirtualMachine of the probe guest; without qvmm_stay the guest reports and powers off. */
    private static String vm(String name, String runStrategy, String kernelArgs) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: %s}
                spec:
                  runStrategy: %s
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 128Mi}}
                        firmware:
                          kernelBoot:
                            kernelArgs: "console=ttyS0 panic=-1 %s"
                            container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                        devices: {disks: [{name: scratch, disk: {bus: virtio}}]}
                      volumes: [{name: scratch, emptyDisk: {capacity: 16Mi}}]
                """.formatted(name, runStrategy, kernelArgs, guest);
    }

    /** Every event of the daemon, as "Phase/Reason" per VM, in order. */
    private static final class Seen {
        private final java.util.Map<String, List<String>> byVm = new java.util.concurrent.ConcurrentHashMap<>();

        void add(JsonNode e) {
            byVm.computeIfAbsent(e.path("vm").asText(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                    .add(e.path("phase").asText() + "/" + e.path("reason").asText());
        }

        List<String> of(String vm) {
            return List.copyOf(byVm.getOrDefault(vm, List.of()));
        }

        List<String> await(String vm, String what, Predicate<List<String>> done) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2L * ProbeGuest.BOOT_DEADLINE_SECONDS);
            while (true) {
                List<String> seen = of(vm);
                if (done.test(seen)) {
                    return seen;
                }
                assertTrue(System.nanoTime() < deadline, () -> "VM " + vm + " never " + what + "; its events: " + seen);
                Thread.sleep(100);
            }
        }
    }

    private static long count(List<String> events, String phase) {
        return events.stream().filter(e -> e.startsWith(phase + "/")).count();
    }

    @Test
    @SuppressWarnings("try") // the event stream is only closed
    void alwaysAndRerunOnFailureStartAVmAgainAfterTheEndsTheyCoverUntilItIsStopped(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        DaemonTest.Daemon d = DaemonTest.Daemon.start(state);
        Seen seen = new Seen();
        try (AutoCloseable stream = new ApiCalls(state.resolve("qvmm.sock")).events(seen::add)) {
            for (String[] vm : new String[][]{{"always", "Always", ""}, {"rerun-off", "RerunOnFailure", ""},
                    {"rerun-killed", "RerunOnFailure", "qvmm_stay=1"}}) {
                Path yaml = Files.writeString(dir.resolve(vm[0] + ".yaml"), vm(vm[0], vm[1], vm[2]));
                QvmmCli.Result created = d.cli("create", yaml.toString());
                assertEquals(0, created.exitCode(), created::toString);
            }

            // Always: the guest powered itself off (Succeeded) and runs again.
            seen.await("always", "ran again after powering off", e -> count(e, "Running") >= 2);
            List<String> always = seen.of("always");
            assertTrue(always.indexOf("Pending/Restarting") > always.indexOf("Succeeded/GuestShutdown")
                    && always.contains("Succeeded/GuestShutdown"), () -> "always: " + always);

            // RerunOnFailure: a VM whose QEMU was killed (Failed) runs again, with a new QEMU ...
            long killed = d.status("rerun-killed").path("qemuPid").asLong();
            assertTrue(killed > 0, "rerun-killed has no QEMU");
            ProcessHandle.of(killed).ifPresent(ProcessHandle::destroyForcibly);
            List<String> rerun = seen.await("rerun-killed", "ran again after its QEMU was killed", e -> count(e, "Running") >= 2);
            assertTrue(count(rerun, "Failed") == 1 && rerun.contains("Pending/Restarting"), () -> "rerun-killed: " + rerun);
            JsonNode again = d.status("rerun-killed");
            assertNotEquals(killed, again.path("qemuPid").asLong(), again::toString);

            // ... while one whose guest powered itself off stays off (its restart would have come at once).
            List<String> off = seen.await("rerun-off", "powered off", e -> count(e, "Succeeded") >= 1);
            assertEquals(1, count(off, "Running"), () -> "rerun-off was started again: " + off);
            assertTrue(!off.contains("Pending/Restarting"), () -> "rerun-off: " + off);

            // A stop is final, also for a VM whose restart is due.
            assertEquals(0, d.cli("stop", "--grace", "0", "always").exitCode());
            assertEquals(0, d.cli("stop", "--grace", "0", "rerun-killed").exitCode());
            long alwaysRuns = count(seen.of("always"), "Running");
            long rerunRuns = count(seen.of("rerun-killed"), "Running");
            // No event says that no restart came: watch longer than any wait a restart could have had here (10 s).
            Thread.sleep(12_000);
            assertEquals(alwaysRuns, count(seen.of("always"), "Running"), () -> "always ran again after a stop: " + seen.of("always"));
            assertEquals(rerunRuns, count(seen.of("rerun-killed"), "Running"), () -> "rerun-killed ran again after a stop: " + seen.of("rerun-killed"));
            for (String name : List.of("always", "rerun-killed", "rerun-off")) {
                JsonNode s = d.status(name);
                assertTrue(s.path("phase").asText().equals("Succeeded") || s.path("phase").asText().equals("Failed"), s::toString);
                assertTrue(!s.has("qemuPid"), s::toString);
            }
        }
        d.kill("TERM");
    }
}
