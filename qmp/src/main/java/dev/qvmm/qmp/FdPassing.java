package dev.qvmm.qmp;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * sendmsg(2) of a command's bytes with one file descriptor attached (SCM_RIGHTS), for
 * {@code getfd} and {@code add-fd}. QEMU keeps the descriptor that arrives with a command and hands
 * it to that command. The structures are laid out by hand for LP64 Linux (x86_64, aarch64).
 */
final class FdPassing {

    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int EINTR = 4;
    static final int EAGAIN = 11;

    private static final int MSGHDR_SIZE = 56;
    private static final int IOVEC_SIZE = 16;
    private static final int CMSG_LEN_ONE_FD = 20;
    private static final int CMSG_SPACE_ONE_FD = 24;

    interface LibC extends Library {
        int sendmsg(int socket, Pointer message, int flags) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    private FdPassing() {
    }

    /**
     * Sends as much of {@code payload} as the socket takes at once, with {@code fd} attached to the
     * first byte. Returns the bytes sent (the caller writes the rest normally) or {@code -EAGAIN}.
     */
    static int send(int socket, byte[] payload, int fd) {
        if (Native.POINTER_SIZE != 8 || Native.SIZE_T_SIZE != 8) {
            throw new IllegalStateException("fd passing is implemented for 64-bit Linux only");
        }
        Memory mem = new Memory(MSGHDR_SIZE + IOVEC_SIZE + CMSG_SPACE_ONE_FD + payload.length);
        mem.clear();
        Pointer msg = mem.share(0);
        Pointer iov = mem.share(MSGHDR_SIZE);
        Pointer cmsg = mem.share(MSGHDR_SIZE + IOVEC_SIZE);
        Pointer data = mem.share(MSGHDR_SIZE + IOVEC_SIZE + CMSG_SPACE_ONE_FD);
        data.write(0, payload, 0, payload.length);

        iov.setPointer(0, data);
        iov.setLong(8, payload.length);

        cmsg.setLong(0, CMSG_LEN_ONE_FD);
        cmsg.setInt(8, SOL_SOCKET);
        cmsg.setInt(12, SCM_RIGHTS);
        cmsg.setInt(16, fd);

        msg.setPointer(16, iov);
        msg.setLong(24, 1);
        msg.setPointer(32, cmsg);
        msg.setLong(40, CMSG_SPACE_ONE_FD);

        while (true) {
            try {
                return Holder.LIBC.sendmsg(socket, msg, MSG_NOSIGNAL);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == EINTR) {
                    continue;
                }
                if (e.getErrorCode() == EAGAIN) {
                    return -EAGAIN;
                }
                throw new IllegalStateException("sendmsg with SCM_RIGHTS failed: errno " + e.getErrorCode() + " ("
                        + e.getMessage() + ")", e);
            }
        }
    }
}
