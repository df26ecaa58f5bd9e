package dev.qvmm.vmm.daemon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.FileNode;
import dev.qvmm.blockdev.HostDeviceNode;
import dev.qvmm.blockdev.NodeOptions;
import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.command.AddfdInfo;
import dev.qvmm.qmp.command.RemoveFd;
import dev.qvmm.vmm.VmmException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Images for a QEMU that runs as another user and may not open them itself: the daemon opens each
 * file or device with the flags QEMU will ask for (access mode and O_DIRECT, which QEMU matches),
 * read-write and read-only, hands both to QEMU in one fd set ({@code add-fd}) and names
 * {@code /dev/fdset/N} in the node instead of the path. The daemon's own copies are closed at once;
 * the set is removed ({@code remove-fd}) once the nodes are deleted.
 */
final class FdSets {

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_DIRECT = 040000;
    private static final int O_CLOEXEC = 02000000;

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    /** The nodes with files passed as descriptors, and the fd sets that now hold them. */
    record Passed(List<BlockNode> nodes, List<Integer> fdsets) {
    }

    private FdSets() {
    }

    static Passed pass(List<BlockNode> nodes, QmpClient qmp) {
        List<BlockNode> out = new ArrayList<>();
        List<Integer> sets = new ArrayList<>();
        try {
            for (BlockNode n : nodes) {
                out.add(switch (n) {
                    case FileNode f -> new FileNode(f.nodeName(), fdset(f.filename(), f.options(), qmp, sets), f.options(), f.aio(), f.locking());
                    case HostDeviceNode h -> new HostDeviceNode(h.nodeName(), fdset(h.filename(), h.options(), qmp, sets), h.options(), h.aio(),
                            h.locking(), h.prManager());
                    default -> n;
                });
            }
            return new Passed(out, sets);
        } catch (RuntimeException e) {
            release(sets, qmp);
            throw e;
        }
    }

    /** Removes the fd sets (QEMU closes what it still holds of them once no node uses them). */
    static void release(List<Integer> fdsets, QmpClient qmp) {
        for (int id : fdsets) {
            qmp.execute(new RemoveFd(id, null)).exceptionally(t -> null).join();
        }
    }

    private static Path fdset(Path file, NodeOptions options, QmpClient qmp, List<Integer> sets) {
        int direct = options.cacheDirect() ? O_DIRECT : 0;
        Integer set = null;
        for (int mode : options.readOnly() ? new int[]{O_RDONLY} : new int[]{O_RDWR, O_RDONLY}) {
            int fd;
            try {
                fd = Holder.LIBC.open(file.toString(), mode | direct | O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, file.toString(), "cannot open " + file + " to pass it to QEMU: "
                        + e.getMessage(), List.of(), e);
            }
            try {
                AddfdInfo info = QmpCalls.join(qmp.addFd(fd, set, "qvmm:" + file));
                if (set == null) {
                    set = info.fdsetId();
                    sets.add(set);
                }
            } finally {
                Holder.LIBC.close(fd);
            }
        }
        return Path.of("/dev/fdset/" + set);
    }
}
