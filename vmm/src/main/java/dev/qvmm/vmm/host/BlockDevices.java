package dev.qvmm.vmm.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.LongByReference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Host block devices as a Block claim sees them: whether a path is one, and its size in bytes from
 * the {@code BLKGETSIZE64} ioctl (through JNA; the JDK reports a device's size as 0). Opens the
 * device read-only and closes it at once; never writes.
 */
public final class BlockDevices {

    /** {@code _IOR(0x12, 114, size_t)} on 64-bit Linux. */
    static final long BLKGETSIZE64 = 0x80081272L;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;
    /** {@code S_IFMT} and {@code S_IFBLK} of st_mode. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int ioctl(int fd, NativeLong request, LongByReference size) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    private BlockDevices() {
    }

    /** Whether {@code path} (symbolic links followed) is a block device. */
    public static boolean isBlockDevice(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return (mode & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The size of block device {@code path} in bytes; an {@link IOException} names the path and errno. */
    public static long sizeBytes(Path path) throws IOException {
        if (Native.LONG_SIZE != 8) {
            throw new IOException("BLKGETSIZE64 is implemented for 64-bit Linux only");
        }
        int fd;
        try {
            fd = Holder.LIBC.open(path.toString(), O_RDONLY | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + path + " (errno " + e.getErrorCode() + ")", e);
        }
        try {
            LongByReference size = new LongByReference();
            Holder.LIBC.ioctl(fd, new NativeLong(BLKGETSIZE64), size);
            return size.getValue();
        } catch (LastErrorException e) {
            throw new IOException("ioctl BLKGETSIZE64 on " + path + " failed (errno " + e.getErrorCode() + ")", e);
        } finally {
            try {
                Holder.LIBC.close(fd);
            } catch (LastErrorException ignored) {
                // a read-only descriptor: nothing was written that a failed close could lose
            }
        }
    }
}
