package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code host_device} protocol node: a host block device. {@code prManager} names a
 * {@code pr-manager-helper} object when the guest may issue SCSI persistent reservations through it.
 */
public record HostDeviceNode(NodeName nodeName, Path filename, NodeOptions options, Aio aio, Locking locking,
                             Optional<String> prManager) implements BlockNode {

    public HostDeviceNode {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(aio, "aio");
        Objects.requireNonNull(locking, "locking");
        Objects.requireNonNull(prManager, "prManager");
        Protocol.checkAio(nodeName, aio, options);
    }

    @Override
    public String driver() {
        return "host_device";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = BlockNode.base(this);
        o.put("filename", filename.toString());
        o.put("aio", aio.qemu());
        o.put("locking", locking.qemu());
        prManager.ifPresent(p -> o.put("pr-manager", p));
        return o;
    }
}
