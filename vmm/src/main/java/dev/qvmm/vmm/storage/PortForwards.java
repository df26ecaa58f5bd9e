package dev.qvmm.vmm.storage;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The host ports a run forwards to its guest, kept beside its {@code plan.args} so that whoever
 * asks about the VM later ({@code qvmm status}, a daemon that adopted it) can say where to connect.
 */
public final class PortForwards {

    /** The file in a run directory. */
    public static final String FILE = "forwards.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A run forwards at most a few ports per interface; a file larger than this is not one qvmm wrote. */
    private static final long MAX_BYTES = 1 << 20;

    private PortForwards() {
    }

    public static void save(Path file, List<StoragePlan.PortForward> forwards) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), forwards);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** What {@link #save} wrote; empty when the run forwards nothing or the file is gone or not qvmm's. */
    public static List<StoragePlan.PortForward> load(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > MAX_BYTES) {
                return List.of();
            }
            return JSON.readValue(file.toFile(), new TypeReference<List<StoragePlan.PortForward>>() { });
        } catch (IOException e) {
            return List.of();
        }
    }
}
