package dev.qvmm.vmm.launch;

import dev.qvmm.vmm.PathGuard;
import dev.qvmm.vmm.VmmException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One VM's run directory, {@code <state-dir>/run/<vm>}: the stand-in for a virt-launcher pod. It
 * holds the QMP and console sockets, {@code console.log}, {@code qemu.log}, the plan and the
 * ephemeral artifacts; it is kept across guest reboots and removed with the VM. Never holds user
 * data, so {@link #remove()} may delete it whole.
 */
public record RunDirectory(Path root, Path path) {

    /** sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;

    /** A run directory strictly inside {@code root} (checked: {@link PathGuard#inside}). */
    public RunDirectory {
        path = PathGuard.inside(root, path, "run directory");
        root = root.toAbsolutePath().normalize();
    }

    /** {@code <state-dir>/run/<vm>}, not created; the name must be one path component ({@link PathGuard#child}). */
    public static RunDirectory of(Path stateDir, String vmName) {
        Path root = stateDir.resolve("run");
        return new RunDirectory(root, PathGuard.child(root, "run directory of VM", vmName));
    }

    public static RunDirectory create(Path stateDir, String vmName) {
        RunDirectory run = of(stateDir, vmName);
        Path dir = run.path();
        int longest = run.consoleSocket().toString().length();
        if (longest > MAX_SOCKET_PATH) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(), "run directory " + dir
                    + " is too deep: its socket paths would be " + longest + " bytes, Unix sockets allow "
                    + MAX_SOCKET_PATH + "; use a shorter --state-dir");
        }
        if (Files.exists(run.qmpSocket())) {
            if (answers(run.qmpSocket())) {
                throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(), "VM \"" + vmName
                        + "\" already runs: its QMP socket " + run.qmpSocket() + " answers; stop it first");
            }
            // A dead run's (a SIGKILLed qvmm run): nothing listens on its sockets any more.
            try {
                Files.deleteIfExists(run.qmpSocket());
                Files.deleteIfExists(run.consoleSocket());
            } catch (IOException e) {
                throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(), "cannot remove the sockets a dead run of VM \""
                        + vmName + "\" left in " + dir + ": " + e.getMessage(), java.util.List.of(), e);
            }
        }
        if (Files.isSymbolicLink(dir)) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(), "run directory " + dir
                    + " is a symbolic link; qvmm writes its run files only into a directory of its own: remove the link");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(),
                    "cannot create run directory " + dir + ": " + e.getMessage(), java.util.List.of(), e);
        }
        return run;
    }

    /**
     * Whether something listens on {@code socket}: a connect that is refused means nobody does. A
     * path socket is reached across network namespaces (unlike /proc/net/unix's view), and a
     * monitor busy with its one client still takes the connection into its backlog.
     */
    private static boolean answers(Path socket) {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            return true;
        } catch (java.net.ConnectException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    public Path qmpSocket() {
        return path.resolve("qmp.sock");
    }

    public Path consoleSocket() {
        return path.resolve("console.sock");
    }

    public Path consoleLog() {
        return path.resolve("console.log");
    }

    public Path qemuLog() {
        return path.resolve("qemu.log");
    }

    public Path pidFile() {
        return path.resolve("qemu.pid");
    }

    public Path file(String name) {
        return path.resolve(name);
    }

    /**
     * Deletes the directory and everything in it (only qvmm's own files live here). Never follows a
     * symbolic link (a link inside is removed as a link), and never removes anything outside
     * {@link #root()} or the root itself: checked again here, as the last line of defence.
     */
    public void remove() throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        PathGuard.removable(root, path, "run directory");
        if (Files.isSymbolicLink(path)) {
            Files.delete(path);
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
