package dev.qvmm.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code qvmm qmp} against a real QEMU: what the demo shows, checked line by line. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QmpCliTest {

    private Path dir;
    private Path socket;
    private Process qemu;

    @BeforeEach
    void startQemu() throws Exception {
        dir = Files.createTempDirectory("qvmm-e2e");
        socket = dir.resolve("qmp.sock");
        qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none", "-S",
                "-qmp", "unix:" + socket + ",server=on,wait=off")
                .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(socket)) { // QEMU offers no other readiness signal than the socket itself
            assertTrue(qemu.isAlive(), () -> "QEMU exited: " + read(dir.resolve("qemu.log")));
            assertTrue(System.nanoTime() < deadline, "QEMU did not create its QMP socket within 20 s");
            Thread.sleep(5);
        }
    }

    @AfterEach
    void stopQemu() throws Exception {
        qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void printsRepliesAndEventsInWireOrder() throws Exception {
        QvmmCli.Result r = QvmmCli.run(Duration.ofSeconds(60), "qmp", "--socket", socket.toString(), "--events",
                "query-status", "cont", "stop", "query-status");
        assertEquals(0, r.exitCode(), r::toString);
        List<String> lines = r.stdout().lines().toList();
        assertTrue(lines.getFirst().startsWith("connected to QEMU 7."), r::toString);
        List<String> shape = lines.stream().skip(1).map(l -> l.startsWith("event ") ? l.split(" ")[0] + " " + l.split(" ")[1]
                : l.startsWith("<- {\"status\"") ? "<- " + l.replaceAll(".*\"status\":\"([a-z-]+)\".*", "$1") : l).toList();
        assertEquals(List.of("-> query-status", "<- prelaunch", "-> cont", "event RESUME", "<- {}", "-> stop", "event STOP",
                "<- {}", "-> query-status", "<- paused"), shape, r::toString);
    }

    @Test
    void stopsAtTheFirstQemuErrorWithExitCode1() throws Exception {
        QvmmCli.Result r = QvmmCli.run(Duration.ofSeconds(60), "qmp", "--socket", socket.toString(),
                "device_del", "{\"id\":\"nothing\"}", "query-status");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("<- error DeviceNotFound"), r::toString);
        assertTrue(!r.stdout().contains("query-status"), "nothing runs after the failed command:\n" + r);
    }

    @Test
    void aMissingSocketIsNamedInTheError() throws Exception {
        QvmmCli.Result r = QvmmCli.run(Duration.ofSeconds(60), "qmp", "--socket", dir.resolve("absent.sock").toString(), "query-status");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("absent.sock"), r::toString);
    }

    @Test
    void badArgumentsAreAUsageErrorBeforeConnecting() throws Exception {
        QvmmCli.Result r = QvmmCli.run(Duration.ofSeconds(60), "qmp", "--socket", socket.toString(), "device_del", "{not json");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("not valid JSON"), r::toString);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
