package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.command.BlockdevAdd;

/**
 * One node of the block graph. The JSON of {@link #toJson()} is what {@code -blockdev} takes on the
 * command line and what {@code blockdev-add} takes over QMP: one rendering, so cold plug and hot plug
 * cannot drift. Protocol nodes ({@link FileNode}, {@link HostDeviceNode}) name a host path; format
 * nodes ({@link RawNode}, {@link Qcow2Node}) name their child by node name.
 */
public sealed interface BlockNode permits FileNode, HostDeviceNode, RawNode, Qcow2Node {

    NodeName nodeName();

    NodeOptions options();

    /** QEMU's driver name: {@code file}, {@code host_device}, {@code raw}, {@code qcow2}. */
    String driver();

    /** The object, keys sorted. */
    ObjectNode toJson();

    /** The same object as a QMP {@code blockdev-add}. */
    default BlockdevAdd blockdevAdd() {
        return new BlockdevAdd(toJson());
    }

    /** Starts an object with the keys every node has. */
    static ObjectNode base(BlockNode node) {
        ObjectNode o = Json.object();
        o.put("driver", node.driver());
        o.put("node-name", node.nodeName().value());
        node.options().render(o);
        return o;
    }
}
