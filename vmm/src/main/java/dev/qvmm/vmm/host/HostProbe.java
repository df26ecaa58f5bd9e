package dev.qvmm.vmm.host;


import dev.qvmm.vmm.storage.QemuCapabilities;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Probes of the host for planning: where O_DIRECT works, and what the QEMU binary can do. Opens
 * files for reading, creates and at once removes a scratch file where an image is still to be made,
 * and starts a monitor-only QEMU once per binary (its answer is cached under the user's cache
 * directory); never creates, writes or deletes anything a VM uses.
 */
public final class HostProbe {

    private HostProbe() {
    }

    /**
     * The paths among {@code paths} where O_DIRECT does not work: an existing file or block device
     * is opened read-only with O_DIRECT; for a file still to be made, a scratch file
     * ({@code .qvmm-odirect-<pid>-<n>}, removed at once) is created with O_DIRECT in the nearest
     * existing directory, and only where that cannot be created does the file system's type decide
     * (tmpfs and ramfs guessed without; tmpfs has O_DIRECT since Linux 6.6, ramfs never).
     */
    public static Set<Path> withoutDirectIo(Collection<Path> paths) {
        Set<Path> out = new HashSet<>();
        for (Path p : paths) {
            if (!directIo(p)) {
                out.add(p);
            }
        }
        return out;
    }

    static boolean directIo(Path path) {
        if (Files.isRegularFile(path) || BlockDevices.isBlockDevice(path)) {
            try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
                return true;
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        if (Files.exists(path)) {
            // Character devices and the like: QEMU opens them with O_DIRECT wherever the driver allows.
            return true;
        }
        Path dir = path.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null) {
            return true;
        }
        // Where the file will be made: a scratch file there, opened as QEMU will open the image. The file
        // system's type is no guide (tmpfs has O_DIRECT since Linux 6.6, ramfs has none).
        Path probe = dir.resolve(".qvmm-odirect-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try (FileChannel c = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            if (!Files.exists(probe)) {
                // Not created at all (a read-only directory, say): the file system's type is the best guess left.
                return guessByType(dir);
            }
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // DELETE_ON_CLOSE removed it already, or it never was
            }
        }
    }

    private static boolean guessByType(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            return !Set.of("tmpfs", "ramfs").contains(store.type());
        } catch (IOException e) {
            return true;
        }
    }

    /** What {@code binary} can do: its version and QAPI schema, probed once per binary (see {@link QemuProbe}). */
    public static QemuCapabilities qemu(String binary) throws IOException {
        return QemuProbe.userCache().capabilities(binary);
    }
}
