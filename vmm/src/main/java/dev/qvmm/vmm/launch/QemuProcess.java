package dev.qvmm.vmm.launch;

import dev.qvmm.vmm.VmmException;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteResultHandler;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running QEMU started through Commons Exec. Its stdout and stderr go to {@code qemu.log};
 * the last 16 KiB of stderr are kept to explain a failure. Commons Exec starts and then waits for
 * the process on one platform thread, which therefore lives exactly as long as QEMU: that is the
 * thread a parent-death signal is tied to.
 *
 * <p>A QEMU started by an earlier daemon is {@link #adopt adopted}: it is not our child, so its
 * exit status is {@link #EXIT_UNKNOWN} and its stderr tail comes from {@code qemu.log}.
 */
public final class QemuProcess {

    private static final int STDERR_TAIL = 16 * 1024;

    /** The exit code of an adopted QEMU: only its parent could learn it. */
    public static final int EXIT_UNKNOWN = -1;

    private final ProcessHandle process;
    private final CompletableFuture<Integer> exit;
    private final TailBuffer stderr;
    private final Path log;

    private QemuProcess(ProcessHandle process, CompletableFuture<Integer> exit, TailBuffer stderr, Path log) {
        this.process = process;
        this.exit = exit;
        this.stderr = stderr;
        this.log = log;
    }

    /**
     * Takes over a QEMU another qvmm process started for {@code run}: it must be alive and its
     * command line must name the run directory's QMP socket (so a recycled pid is never taken for
     * the VM). Empty when it is not there.
     */
    public static java.util.Optional<QemuProcess> adopt(long pid, RunDirectory run) {
        java.util.Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty() || !commandLineOf(pid).contains("path=" + run.qmpSocket() + ",")) {
            return java.util.Optional.empty();
        }
        CompletableFuture<Integer> exit = handle.get().onExit().thenApply(h -> EXIT_UNKNOWN);
        return java.util.Optional.of(new QemuProcess(handle.get(), exit, null, run.qemuLog()));
    }

    /** {@code /proc/<pid>/cmdline} with spaces for NULs, or "" when it cannot be read. */
    private static String commandLineOf(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** Starts {@code argv}; returns once the process exists (not once QEMU is ready). */
    public static QemuProcess start(List<String> argv, RunDirectory run, String vmName) {
        CommandLine cmd = new CommandLine(argv.getFirst());
        argv.stream().skip(1).forEach(a -> cmd.addArgument(a, false));
        CompletableFuture<Process> started = new CompletableFuture<>();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        TailBuffer tail = new TailBuffer(STDERR_TAIL);
        OutputStream log;
        try {
            log = Files.newOutputStream(run.qemuLog());
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, run.qemuLog().toString(),
                    "cannot write " + run.qemuLog() + ": " + e.getMessage(), List.of(), e);
        }
        DefaultExecutor executor = new DefaultExecutor() {
            @Override
            protected Process launch(CommandLine command, Map<String, String> env, Path dir) throws IOException {
                Process p = super.launch(command, env, dir);
                started.complete(p);
                return p;
            }

            @Override
            protected Thread createThread(Runnable runnable, String name) {
                return Thread.ofPlatform().name("qemu-" + vmName).daemon(true).unstarted(runnable);
            }
        };
        executor.setExitValues(null);
        executor.setStreamHandler(new PumpStreamHandler(log, new TeeStream(log, tail)));
        try {
            executor.execute(cmd, new ExecuteResultHandler() {
                @Override
                public void onProcessComplete(int exitValue) {
                    closeQuietly(log);
                    exit.complete(exitValue);
                }

                @Override
                public void onProcessFailed(ExecuteException e) {
                    closeQuietly(log);
                    started.completeExceptionally(e);
                    exit.complete(e.getExitValue());
                }
            });
            return new QemuProcess(started.get(30, TimeUnit.SECONDS).toHandle(), exit, tail, run.qemuLog());
        } catch (IOException | ExecutionException | TimeoutException e) {
            closeQuietly(log);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new VmmException(VmmException.Kind.QEMU_START_FAILED, argv.getFirst(),
                    "cannot start " + String.join(" ", argv.subList(0, Math.min(argv.size(), 5))) + " ...: " + cause.getMessage()
                            + " (is qemu-system-x86 installed?)", List.of(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException(VmmException.Kind.QEMU_START_FAILED, argv.getFirst(), "interrupted while starting QEMU");
        }
    }

    /**
     * Waits until QEMU listens on its monitor socket {@code socket}: QEMU creates it while it
     * starts and offers no earlier sign of readiness, so this polls every 5 ms, up to
     * {@code timeout}, and fails at once (with QEMU's stderr) if QEMU exits first. Listening, not
     * just existing: the file appears at bind(), and a connect before listen() is refused.
     */
    public void awaitSocket(Path socket, Duration timeout, String subject) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!listening(socket)) {
            if (!isAlive()) {
                int code;
                try {
                    code = exit.get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    code = -1;
                }
                throw new VmmException(VmmException.Kind.QEMU_START_FAILED, subject, "QEMU exited with code " + code
                        + " before its monitor was up" + (stderrTail().isEmpty() ? "" : "\n  QEMU said: "
                        + stderrTail().replace("\n", "\n    ")));
            }
            if (System.nanoTime() > deadline) {
                throw new VmmException(VmmException.Kind.QEMU_START_FAILED, subject,
                        "QEMU did not create " + socket + " within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmmException(VmmException.Kind.QEMU_START_FAILED, subject, "interrupted while QEMU was starting");
            }
        }
    }

    private static boolean listening(Path socket) {
        try {
            return UnixSockets.listening(socket);
        } catch (IOException e) {
            return Files.exists(socket); // no /proc: the file is the best sign there is
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Completes with QEMU's exit code (128 + n when killed by signal n). */
    public CompletableFuture<Integer> exit() {
        return exit;
    }

    /** The end of QEMU's stderr (of qemu.log for an adopted QEMU), for error messages. */
    public String stderrTail() {
        if (stderr != null) {
            return stderr.toString().strip();
        }
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(all, Math.max(0, all.length - STDERR_TAIL), Math.min(all.length, STDERR_TAIL), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGTERM: QEMU exits as after {@code quit}. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException ignored) {
            // qemu.log is for people; the exit code and tail still tell what happened
        }
    }

    /** Keeps the last {@code capacity} bytes written. */
    private static final class TailBuffer extends OutputStream {
        private final int capacity;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        TailBuffer(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public synchronized void write(int b) {
            buf.write(b);
            trim();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            buf.write(b, off, len);
            trim();
        }

        private void trim() {
            if (buf.size() > 2 * capacity) {
                byte[] all = buf.toByteArray();
                buf.reset();
                buf.write(all, all.length - capacity, capacity);
            }
        }

        @Override
        public synchronized String toString() {
            byte[] all = buf.toByteArray();
            int from = Math.max(0, all.length - capacity);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        }
    }

    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] x, int off, int len) throws IOException {
            a.write(x, off, len);
            b.write(x, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
        }
    }
}
