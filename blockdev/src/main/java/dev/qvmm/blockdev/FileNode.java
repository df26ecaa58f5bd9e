package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@code file} protocol node: a regular file on the host. {@link Aio#NATIVE} is refused without
 * {@code cache.direct}, as QEMU refuses it at open time.
 */
public record FileNode(NodeName nodeName, Path filename, NodeOptions options, Aio aio, Locking locking) implements BlockNode {

    public FileNode {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(aio, "aio");
        Objects.requireNonNull(locking, "locking");
        Protocol.checkAio(nodeName, aio, options);
    }

    @Override
    public String driver() {
        return "file";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = BlockNode.base(this);
        o.put("filename", filename.toString());
        o.put("aio", aio.qemu());
        o.put("locking", locking.qemu());
        return o;
    }
}
