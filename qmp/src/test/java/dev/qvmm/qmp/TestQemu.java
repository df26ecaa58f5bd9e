package dev.qvmm.qmp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real QEMU that is never started ({@code -S}), for tests of the client.
 * Starts in well under a second; {@link #close()} kills it and removes its directory.
 */
final class TestQemu implements AutoCloseable {

    static final String BINARY = System.getenv().getOrDefault("QVMM_QEMU", "qemu-system-x86_64");

    final Path dir;
    final Path socket;
    final Process process;

    private TestQemu(Path dir, Path socket, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.process = process;
    }

    /** {@code -machine none}: a monitor and nothing else. */
    static TestQemu start() throws IOException, InterruptedException {
        return startMachine("-machine", "none");
    }

    /** A machine of the caller's choosing, never started ({@code -S}). */
    static TestQemu startMachine(String... machineArgs) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("qvmm-qmp-test");
        Path socket = dir.resolve("qmp.sock");
        List<String> argv = new ArrayList<>(List.of(BINARY, "-nodefaults", "-display", "none",
                "-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
        argv.addAll(List.of(machineArgs));
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        } catch (IOException e) {
            throw new IOException(BINARY + " cannot be started (install qemu-system-x86, or run scripts/test which does): " + e.getMessage(), e);
        }
        // QEMU creates the socket during start-up and offers no other signal of readiness. The file
        // appears at bind(), a moment before listen(): a connect in between is refused, so wait for
        // the kernel to list the socket as listening (/proc/net/unix flag __SO_ACCEPTCON).
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!listening(socket)) {
            if (!p.isAlive()) {
                throw new IOException("QEMU exited with " + p.exitValue() + ": " + Files.readString(dir.resolve("qemu.log")));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("QEMU did not create " + socket + " within 20 s");
            }
            Thread.sleep(5);
        }
        return new TestQemu(dir, socket, p);
    }

    /** Whether a Unix socket bound at {@code path} is listening, per /proc/net/unix. */
    static boolean listening(Path path) throws IOException {
        String p = path.toAbsolutePath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            // Num RefCount Protocol Flags Type St Inode Path
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[7].equals(p) && f[3].equals("00010000")) {
                return true;
            }
        }
        return false;
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("qemu.log"));
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        kill();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
