package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.Rollback;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Files and directories preparation makes, each registered with a {@link Rollback} so a failed start leaves nothing. */
final class HostFiles {

    private HostFiles() {
    }

    /** Creates the missing parent directories of {@code file}; the rollback removes only those it made. */
    static void createParents(Path file, Rollback rollback) throws IOException {
        List<Path> made = new ArrayList<>();
        for (Path d = file.toAbsolutePath().getParent(); d != null && !Files.exists(d); d = d.getParent()) {
            made.add(d);
        }
        for (Path d : made.reversed()) {
            Files.createDirectory(d);
            rollback.add(() -> Files.deleteIfExists(d));
        }
    }

    /** A sparse file of {@code size} bytes (and its missing directories), all undone by the rollback. */
    static void createSparse(Path file, long size, Rollback rollback) throws IOException {
        createParents(file, rollback);
        rollback.add(() -> Files.deleteIfExists(file));
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }
}
