package dev.qvmm.virtiofsd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

import java.nio.charset.StandardCharsets;

/** The few libc calls the JDK does not offer: a listening socket as a plain fd, and posix_spawn with file actions. */
interface Libc extends Library {

    Libc C = Native.load("c", Libc.class);

    int AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_CLOEXEC = 0x80000;
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_CREAT = 0x40;
    int O_APPEND = 0x400;
    int O_CLOEXEC = 0x80000;
    int EINTR = 4;
    int ECHILD = 10;
    int SIGKILL = 9;
    int SIGTERM = 15;
    /** sizeof(posix_spawn_file_actions_t) is 80 on glibc x86_64/aarch64; room to spare. */
    int FILE_ACTIONS_SIZE = 256;
    /** sun_path: 108 bytes including the terminating NUL. */
    int SUN_PATH = 108;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

    int P_PID = 1;
    int WEXITED = 4;
    int WNOWAIT = 0x01000000;
    /** sizeof(siginfo_t). */
    int SIGINFO_SIZE = 128;

    /** With WNOWAIT: waits for the exit but leaves the child unreaped, so its pid cannot be reused yet. */
    int waitid(int idType, int id, Pointer info, int options) throws LastErrorException;

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

    int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

    /** glibc 2.34+: every fd from {@code from} up is closed in the child. */
    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    /** Returns 0 or an error number (not through errno). */
    int posix_spawnp(IntByReference pid, String file, Pointer actions, Pointer attributes, StringArray argv, StringArray envp);

    /** {@code struct sockaddr_un} for {@code path}: family AF_UNIX (host order), the path, a NUL. */
    static byte[] unixAddress(String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        byte[] a = new byte[2 + p.length + 1];
        a[0] = (byte) AF_UNIX; // little-endian sa_family_t
        System.arraycopy(p, 0, a, 2, p.length);
        return a;
    }

    static Memory fileActions() {
        Memory m = new Memory(FILE_ACTIONS_SIZE);
        m.clear();
        return m;
    }
}
