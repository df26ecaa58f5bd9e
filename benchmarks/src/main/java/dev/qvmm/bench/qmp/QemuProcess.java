package dev.qvmm.bench.qmp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An idle QEMU with nothing but a QMP monitor ({@code -machine none -S}), for measuring the
 * monitor's round trip. Owns the process and a private temporary directory holding the socket
 * and QEMU's output; {@link #close()} stops QEMU (SIGTERM, then SIGKILL) and removes the directory,
 * and a JVM shutdown hook kills QEMU should the benchmark JVM exit without closing it.
 *
 * <p>The binary is {@code qemu-system-x86_64} unless the environment variable
 * {@code QVMM_BENCH_QEMU} names another. QEMU serves one QMP client at a time, so each client
 * under test gets its own process.
 */
final class QemuProcess implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final Process process;
    private final Path dir;
    private final Path socket;
    private final Path log;
    /** Stops QEMU if the JVM exits without {@link #close()}, e.g. when the run is interrupted. */
    private final Thread exitHook;

    private QemuProcess(Process process, Path dir, Path socket, Path log) {
        this.process = process;
        this.dir = dir;
        this.socket = socket;
        this.log = log;
        this.exitHook = new Thread(process::destroyForcibly, "qemu-exit-hook");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    static String binary() {
        String env = System.getenv("QVMM_BENCH_QEMU");
        return env == null || env.isBlank() ? "qemu-system-x86_64" : env;
    }

    /** Starts a machine-less QEMU and returns once its QMP socket exists. */
    static QemuProcess start() {
        return start(List.of("-machine", "none"));
    }

    /** Starts QEMU with {@code machine} (the machine and its devices) and returns once its QMP socket exists. */
    static QemuProcess start(List<String> machine) {
        Path dir;
        try {
            dir = Files.createTempDirectory("qvmm-bench-qemu-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for QEMU's socket", e);
        }
        Path socket = dir.resolve("qmp.sock");
        Path log = dir.resolve("qemu.log");
        List<String> argv = new java.util.ArrayList<>(List.of(binary()));
        argv.addAll(machine);
        argv.addAll(List.of("-nodefaults", "-display", "none", "-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            deleteTree(dir);
            throw new IllegalStateException("cannot start " + binary() + " (install the Debian package qemu-system-x86,"
                    + " or set QVMM_BENCH_QEMU to a QEMU binary): " + e.getMessage(), e);
        }
        QemuProcess qemu = new QemuProcess(process, dir, socket, log);
        qemu.awaitSocket(String.join(" ", argv));
        return qemu;
    }

    Path socket() {
        return socket;
    }

    private void awaitSocket(String commandLine) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String why = process.isAlive() ? "no QMP socket after " + START_TIMEOUT_MILLIS + " ms"
                        : "QEMU exited with status " + process.exitValue();
                String output = output();
                close();
                throw new IllegalStateException(why + ": " + commandLine + (output.isEmpty() ? "" : "\nQEMU said: " + output));
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while waiting for QEMU's QMP socket " + socket, e);
            }
        }
    }

    private String output() {
        try {
            return Files.readString(log).strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // the JVM is already exiting; the hook does the stopping
        }
        try {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("warning: cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
