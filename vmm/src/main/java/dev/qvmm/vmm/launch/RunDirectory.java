package dev.qvmm.vmm.launch;

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
public record RunDirectory(Path path) {

    /** sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;

    public static RunDirectory create(Path stateDir, String vmName) {
        Path dir = stateDir.resolve("run").resolve(vmName).toAbsolutePath().normalize();
        RunDirectory run = new RunDirectory(dir);
        int longest = run.consoleSocket().toString().length();
        if (longest > MAX_SOCKET_PATH) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(), "run directory " + dir
                    + " is too deep: its socket paths would be " + longest + " bytes, Unix sockets allow "
                    + MAX_SOCKET_PATH + "; use a shorter --state-dir");
        }
        if (Files.exists(run.qmpSocket())) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(), "VM \"" + vmName
                    + "\" already has a run directory with a QMP socket (" + run.qmpSocket() + "): is it running? "
                    + "Stop it first, or remove " + dir + " if it is a leftover");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, dir.toString(),
                    "cannot create run directory " + dir + ": " + e.getMessage(), java.util.List.of(), e);
        }
        return run;
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

    /** Deletes the directory and everything in it (only qvmm's own files live here). */
    public void remove() throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
