package dev.qvmm.vmm.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a Unix socket is ready for a client, without connecting to it (a server like a QMP
 * monitor or virtiofsd may take one client only). QEMU creates its socket file at bind() and
 * listens a moment later; a connect in between is refused, so the file's existence is not enough.
 */
public final class UnixSockets {

    /** The kernel's __SO_ACCEPTCON flag in /proc/net/unix: the socket listens. */
    private static final String LISTENING = "00010000";

    private UnixSockets() {
    }

    /** True when a socket bound at {@code path} in this network namespace is listening (per /proc/net/unix). */
    public static boolean listening(Path path) throws IOException {
        String p = path.toAbsolutePath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            // Num RefCount Protocol Flags Type St Inode Path
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[7].equals(p) && f[3].equals(LISTENING)) {
                return true;
            }
        }
        return false;
    }
}
