package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code qcow2} format node over a protocol node. {@link Backing} says where its backing image
 * comes from: a named node of this graph, none at all, or the chain written in the image header
 * (QEMU then opens it with generated node names; used when the backing format is only known once
 * the image has been prepared).
 */
public record Qcow2Node(NodeName nodeName, NodeName file, NodeOptions options, Backing backing) implements BlockNode {

    /** Where a qcow2 node's backing image comes from. */
    public sealed interface Backing permits FromHeader, NoBacking, BackingNode {
    }

    /** QEMU opens the backing chain recorded in the image header. */
    public record FromHeader() implements Backing {
    }

    /** The image is used without its backing file ({@code "backing": null}). */
    public record NoBacking() implements Backing {
    }

    /** The backing image is the named node. */
    public record BackingNode(NodeName node) implements Backing {
        public BackingNode {
            Objects.requireNonNull(node, "node");
        }
    }

    public Qcow2Node {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(backing, "backing");
    }

    @Override
    public String driver() {
        return "qcow2";
    }

    /** The backing node's name, if the backing is a node of this graph. */
    public Optional<NodeName> backingNode() {
        return switch (backing) {
            case BackingNode b -> Optional.of(b.node());
            case FromHeader f -> Optional.empty();
            case NoBacking n -> Optional.empty();
        };
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = BlockNode.base(this);
        o.put("file", file.value());
        switch (backing) {
            case BackingNode b -> o.put("backing", b.node().value());
            case NoBacking n -> o.putNull("backing");
            case FromHeader f -> {
            }
        }
        return o;
    }
}
