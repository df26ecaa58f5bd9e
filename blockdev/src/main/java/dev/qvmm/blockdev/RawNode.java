package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** A {@code raw} format node over a protocol node. */
public record RawNode(NodeName nodeName, NodeName file, NodeOptions options) implements BlockNode {

    public RawNode {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
    }

    @Override
    public String driver() {
        return "raw";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = BlockNode.base(this);
        o.put("file", file.value());
        return o;
    }
}
