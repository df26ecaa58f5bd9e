package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code vhost-user-fs-pci}: a virtiofs share served by a virtiofsd behind {@code chardev}. The
 * guest mounts it by {@code tag}; guest RAM must be a shared memory backend.
 */
public record VhostUserFsPci(String id, PciAddress address, String chardev, String tag) implements Device {

    /** Request queue size: QEMU's default of 128 throttles parallel I/O; 1024 is QEMU's maximum and KubeVirt's choice. */
    public static final int QUEUE_SIZE = 1024;

    /** virtio-fs limits the tag to 36 bytes. */
    public static final int MAX_TAG = 36;

    public VhostUserFsPci {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(chardev, "chardev");
        Objects.requireNonNull(tag, "tag");
        if (tag.isEmpty() || tag.length() > MAX_TAG) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, id,
                    "vhost-user-fs \"" + id + "\": tag \"" + tag + "\" must be 1 to " + MAX_TAG + " characters");
        }
    }

    @Override
    public String driver() {
        return "vhost-user-fs-pci";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        o.put("chardev", chardev);
        o.put("tag", tag);
        o.put("queue-size", QUEUE_SIZE);
        return o;
    }
}
