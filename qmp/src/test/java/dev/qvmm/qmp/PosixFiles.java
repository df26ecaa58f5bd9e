package dev.qvmm.qmp;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.nio.file.Path;

/** open(2)/close(2) for tests that pass descriptors to QEMU (the JDK hides a file's fd number). */
final class PosixFiles {

    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    private PosixFiles() {
    }

    static int open(Path path, int flags) {
        return LIBC.open(path.toString(), flags | 02000000 /* O_CLOEXEC */);
    }

    static void close(int fd) {
        LIBC.close(fd);
    }
}
