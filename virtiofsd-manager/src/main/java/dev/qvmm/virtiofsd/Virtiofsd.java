package dev.qvmm.virtiofsd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One running virtiofsd serving one share to one QEMU.
 *
 * <p><b>Readiness without a probe.</b> virtiofsd serves exactly one frontend and exits when it
 * disconnects, so connecting to its socket to see whether it is up would kill it. Instead qvmm
 * binds and listens on the socket itself and hands the listening fd to the daemon as fd 3
 * ({@code --fd=3}, which both flavours take): the socket is ready when {@link #start} returns, and
 * a QEMU that connects before the daemon calls {@code accept} waits in the backlog.
 *
 * <p><b>No orphans.</b> The daemon is spawned with {@code posix_spawn} (file actions: the socket
 * to fd 3, stdin from /dev/null, stdout and stderr appended to the log, every other fd closed, so
 * no descriptor of the JVM leaks into it) through {@code setpriv --pdeathsig KILL}, from a
 * platform thread that then waits for it and therefore lives exactly as long as the daemon: the
 * kernel kills the daemon when that thread dies, also when the JVM is SIGKILLed. (The C daemon's
 * namespace sandbox forks once more; its inner process has its own parent-death signal.)
 *
 * <p><b>Hazards.</b> The daemon also exits on its own when QEMU disconnects, i.e. whenever the VM
 * ends: {@link #exit()} completing is therefore only a failure while QEMU still runs, which the
 * caller decides. {@link #close()} is idempotent: SIGTERM, 5 s, SIGKILL, and the socket file goes.
 */
public final class Virtiofsd implements AutoCloseable {

    /** The fd the daemon finds its listening socket on. */
    static final int SOCKET_FD = 3;
    static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    static final Duration TERM_WAIT = Duration.ofSeconds(5);
    private static final int LOG_TAIL = 4096;

    private final ShareOptions share;
    private final Path socket;
    private final Path log;
    private final int pid;
    private final CompletableFuture<Integer> exit;
    private final Reaper reaper;
    private boolean closed;

    /** Guards signalling against reaping: once the child is reaped its pid may belong to someone else. */
    private static final class Reaper {
        private boolean exited;
    }

    private Virtiofsd(ShareOptions share, Path socket, Path log, int pid, CompletableFuture<Integer> exit, Reaper reaper) {
        this.share = share;
        this.socket = socket;
        this.log = log;
        this.pid = pid;
        this.exit = exit;
        this.reaper = reaper;
    }

    /**
     * Loads the native access (JNA's stub and libc) that the first {@link #start} would otherwise
     * pay for, 90-190 ms on a busy 2-core host: call it early on another thread.
     */
    public static void warmUp() {
        Objects.requireNonNull(Libc.C);
    }

    /**
     * Starts a daemon for {@code share} listening on {@code socket} (created here; an old socket
     * file there is replaced) and logging to {@code log}. Returns once the daemon runs and the
     * socket accepts connections.
     */
    public static Virtiofsd start(VirtiofsdBinary binary, ShareOptions share, Path socket, Path log) {
        return start(binary, share, socket, log, Lifetime.WITH_PARENT);
    }

    /** How long a daemon lives: with the JVM that started it, or on its own (a qvmm daemon's guests). */
    public enum Lifetime {
        /** Killed by a parent-death signal when the starting thread dies, even by SIGKILL: {@code qvmm run}. */
        WITH_PARENT,
        /** A session of its own and no parent-death signal: it serves its QEMU across restarts of the JVM. */
        DETACHED
    }

    /**
     * As {@link #start(VirtiofsdBinary, ShareOptions, Path, Path)}, with the daemon's
     * {@code lifetime}; a detached one is taken over by a later JVM with {@link #adopt}.
     */
    public static Virtiofsd start(VirtiofsdBinary binary, ShareOptions share, Path socket, Path log, Lifetime lifetime) {
        if (!Files.isDirectory(share.sharedDir())) {
            throw new VirtiofsdException(VirtiofsdException.Kind.SOURCE_UNAVAILABLE, share.tag(), "filesystem \""
                    + share.tag() + "\": shared directory " + share.sharedDir() + " does not exist or is not a directory");
        }
        String socketPath = socket.toAbsolutePath().toString();
        if (socketPath.getBytes(StandardCharsets.UTF_8).length >= Libc.SUN_PATH) {
            throw new VirtiofsdException(VirtiofsdException.Kind.SOCKET, share.tag(), "filesystem \"" + share.tag()
                    + "\": socket path " + socketPath + " is longer than the " + (Libc.SUN_PATH - 1)
                    + " bytes a Unix socket allows; use a shorter state directory");
        }
        int fd = listen(share.tag(), socket);
        List<String> argv = command(binary, share, lifetime);

        CompletableFuture<Integer> spawned = new CompletableFuture<>();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Reaper reaper = new Reaper();
        Thread.ofPlatform().daemon(true).name("virtiofsd-" + share.tag())
                .start(() -> spawnAndWait(argv, fd, log, spawned, exit, reaper));
        try {
            int pid = spawned.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new Virtiofsd(share, socket, log, pid, exit, reaper);
        } catch (ExecutionException | TimeoutException e) {
            // A spawn that completes after this gives up finds the future taken and kills its child.
            spawned.completeExceptionally(e);
            deleteQuietly(socket);
            Throwable why = e instanceof ExecutionException ? e.getCause() : e;
            throw new VirtiofsdException(VirtiofsdException.Kind.START_FAILED, share.tag(), "filesystem \"" + share.tag()
                    + "\": cannot start " + String.join(" ", argv) + ": " + why.getMessage(), why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly(socket);
            throw new VirtiofsdException(VirtiofsdException.Kind.START_FAILED, share.tag(), "interrupted while starting virtiofsd");
        }
    }

    /**
     * The spawned argv. Privileged: {@code setpriv --pdeathsig KILL -- virtiofsd ...}. With
     * {@link ShareOptions#runAs()}: setpriv drops to that uid/gid (no supplementary groups),
     * {@code unshare --user --map-root-user} makes it root of a user namespace of its own, where
     * the daemon's namespace sandbox works without any privilege on the host; the parent-death
     * signal is set last, by a second setpriv, because a change of credentials clears it. Each
     * step execs the next, so the pid stays the daemon's.
     */
    static List<String> command(VirtiofsdBinary binary, ShareOptions share) {
        return command(binary, share, Lifetime.WITH_PARENT);
    }

    /** As {@link #command(VirtiofsdBinary, ShareOptions)}; a detached daemon gets {@code setsid} instead of the parent-death signal. */
    static List<String> command(VirtiofsdBinary binary, ShareOptions share, Lifetime lifetime) {
        List<String> argv = new ArrayList<>();
        share.runAs().ifPresent(r -> argv.addAll(List.of("setpriv", "--reuid=" + r.uid(), "--regid=" + r.gid(), "--clear-groups",
                "--", "unshare", "--user", "--map-root-user", "--")));
        argv.addAll(lifetime == Lifetime.WITH_PARENT ? List.of("setpriv", "--pdeathsig", "KILL", "--") : List.of("setsid", "--"));
        argv.add(binary.path().toString());
        argv.addAll(binary.flavour().arguments(share, SOCKET_FD));
        return argv;
    }

    /** A listening Unix socket at {@code socket}, close-on-exec (the spawn's dup2 gives the daemon its own copy). */
    private static int listen(String tag, Path socket) {
        int fd = -1;
        try {
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket);
            fd = Libc.C.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            byte[] address = Libc.unixAddress(socket.toAbsolutePath().toString());
            Libc.C.bind(fd, address, address.length);
            Libc.C.listen(fd, 1);
            return fd;
        } catch (IOException | LastErrorException e) {
            if (fd >= 0) {
                Libc.C.close(fd);
                deleteQuietly(socket);
            }
            throw new VirtiofsdException(VirtiofsdException.Kind.SOCKET, tag, "filesystem \"" + tag
                    + "\": cannot listen on " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Runs on the daemon's own thread: spawns it, then waits for it; the thread ends when the daemon does. */
    private static void spawnAndWait(List<String> argv, int fd, Path log, CompletableFuture<Integer> spawned,
                                     CompletableFuture<Integer> exit, Reaper reaper) {
        int pid;
        Memory actions = Libc.fileActions();
        Libc.C.posix_spawn_file_actions_init(actions);
        try {
            // The socket first: should it be fd 0-2, the opens below would replace it.
            check(Libc.C.posix_spawn_file_actions_adddup2(actions, fd, SOCKET_FD), "dup2");
            check(Libc.C.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Libc.O_RDONLY, 0), "open /dev/null");
            check(Libc.C.posix_spawn_file_actions_addopen(actions, 1, log.toAbsolutePath().toString(),
                    Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND, 0640), "open " + log);
            check(Libc.C.posix_spawn_file_actions_adddup2(actions, 1, 2), "dup2 stderr");
            check(Libc.C.posix_spawn_file_actions_addclosefrom_np(actions, SOCKET_FD + 1), "closefrom");
            List<String> env = new ArrayList<>();
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                env.add(e.getKey() + "=" + e.getValue());
            }
            IntByReference child = new IntByReference();
            int rc = Libc.C.posix_spawnp(child, argv.getFirst(), actions, null, new StringArray(argv.toArray(String[]::new)),
                    new StringArray(env.toArray(String[]::new)));
            check(rc, "posix_spawnp " + argv.getFirst());
            pid = child.getValue();
        } catch (RuntimeException e) {
            spawned.completeExceptionally(e);
            exit.complete(-1);
            return;
        } finally {
            Libc.C.posix_spawn_file_actions_destroy(actions);
            Libc.C.close(fd);
        }
        if (!spawned.complete(pid)) {
            try {
                Libc.C.kill(pid, Libc.SIGKILL); // start() gave up waiting: nobody owns this daemon
            } catch (LastErrorException e) {
                // not reaped yet, so it cannot fail for a vanished pid; reaping below goes on regardless
            }
        }
        exit.complete(awaitExit(pid, reaper));
    }

    /** Waits for {@code pid} and reaps it: 128 + n when a signal n ended it, as a shell reports it. */
    private static int awaitExit(int pid, Reaper reaper) {
        Memory info = new Memory(Libc.SIGINFO_SIZE);
        while (true) {
            try {
                Libc.C.waitid(Libc.P_PID, pid, info, Libc.WEXITED | Libc.WNOWAIT);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Libc.EINTR) {
                    return -1;
                }
            }
        }
        // Exited but not reaped: until here the pid is still this child's and close() may signal it.
        synchronized (reaper) {
            reaper.exited = true;
        }
        IntByReference status = new IntByReference();
        while (true) {
            try {
                Libc.C.waitpid(pid, status, 0);
                int s = status.getValue();
                return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Libc.EINTR) {
                    return -1;
                }
            }
        }
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed: error " + rc);
        }
    }

    /**
     * Takes over a detached daemon another JVM started for {@code share}: it must be alive and its
     * command line must be a virtiofsd's naming the shared directory (so a recycled pid is never
     * taken for it). It is not this JVM's child: its exit code is unknown (-1) and is noticed by
     * polling. Empty when it is not there.
     */
    public static java.util.Optional<Virtiofsd> adopt(long pid, ShareOptions share, Path socket, Path log) {
        java.util.Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        List<String> args;
        try {
            args = List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .split("\0"));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        String dir = share.sharedDir().toString();
        boolean servesIt = args.contains("source=" + dir) || args.contains("--shared-dir=" + dir);
        if (handle.isEmpty() || args.isEmpty() || !args.getFirst().endsWith("virtiofsd") || !servesIt) {
            return java.util.Optional.empty();
        }
        CompletableFuture<Integer> exit = handle.get().onExit().thenApply(h -> -1);
        return java.util.Optional.of(new Virtiofsd(share, socket, log, (int) pid, exit, new Reaper()));
    }

    public ShareOptions share() {
        return share;
    }

    public Path socket() {
        return socket;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return pid;
    }

    public boolean isAlive() {
        return !exit.isDone();
    }

    /**
     * Completes with the daemon's exit code (128 + n for signal n) when it exits, for whatever
     * reason: killed, crashed, QEMU disconnected, or {@link #close()}.
     */
    public CompletableFuture<Integer> exit() {
        return exit;
    }

    /** The end of the daemon's log, for error messages. */
    public String logTail() {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long from = Math.max(0, f.length() - LOG_TAIL);
            byte[] b = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the daemon (SIGTERM, then SIGKILL after 5 s) and removes its socket. Safe to call again. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        signal(Libc.SIGTERM);
        if (!awaitExit(TERM_WAIT)) {
            signal(Libc.SIGKILL);
            awaitExit(TERM_WAIT);
        }
        deleteQuietly(socket);
    }

    private void signal(int signal) {
        synchronized (reaper) {
            if (reaper.exited) {
                return;
            }
            if (exit.isDone()) {
                return; // an adopted daemon that is gone: its pid may be someone else's by now
            }
            try {
                Libc.C.kill(pid, signal);
            } catch (LastErrorException e) {
                // ESRCH cannot happen for an unreaped child; nothing else is worth failing a stop for
            }
        }
    }

    private boolean awaitExit(Duration d) {
        try {
            exit.get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a socket file left in the run directory goes with it
        }
    }

    @Override
    public String toString() {
        return "virtiofsd pid " + pid + " for \"" + share.tag() + "\" (" + share.sharedDir() + ")";
    }
}
