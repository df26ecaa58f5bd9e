package dev.qvmm.vmm.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The files a run made for itself (ISOs, overlays, fd-passed images' staging): removed quietly. */
final class RunFiles {

    private RunFiles() {
    }

    /** Deletes each file that is there; one that cannot go now is replaced by the next start of its VM. */
    static void deleteQuietly(List<Path> files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // replaced by the next start
            }
        }
    }
}
