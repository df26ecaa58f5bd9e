package dev.qvmm.vmm.daemon;

import dev.qvmm.vmm.launch.RunDirectory;

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

    /**
     * A run has ended: after a clean end its directory goes; after a failure it stays for its logs
     * and only its sockets go. What cannot go now goes with the next start or the VM's deletion.
     */
    static void ended(RunDirectory run, boolean succeeded) {
        try {
            if (succeeded) {
                run.remove();
            } else {
                Files.deleteIfExists(run.qmpSocket());
                Files.deleteIfExists(run.consoleSocket());
            }
        } catch (IOException ignored) {
            // removed with the next start or the VM's deletion
        }
    }
}
