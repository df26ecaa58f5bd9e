package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code virtio-blk-pci}. {@code numQueues} absent lets QEMU choose; {@code discard} false hides
 * discard from the guest (thick-provisioned volumes).
 */
public record VirtioBlkPci(String id, PciAddress address, Frontend frontend, Optional<String> iothread,
                           OptionalInt numQueues, boolean discard) implements Device {

    /** virtio-blk's own limit (VIRTIO_QUEUE_MAX). */
    public static final int MAX_QUEUES = 1024;

    public VirtioBlkPci {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(frontend, "frontend");
        Objects.requireNonNull(iothread, "iothread");
        Objects.requireNonNull(numQueues, "numQueues");
        if (numQueues.isPresent() && (numQueues.getAsInt() < 1 || numQueues.getAsInt() > MAX_QUEUES)) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, id,
                    "virtio-blk \"" + id + "\": num-queues " + numQueues.getAsInt() + " is outside 1.." + MAX_QUEUES);
        }
    }

    @Override
    public String driver() {
        return "virtio-blk-pci";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        frontend.render(o, true, true);
        iothread.ifPresent(t -> o.put("iothread", t));
        numQueues.ifPresent(n -> o.put("num-queues", n));
        o.put("discard", discard);
        return o;
    }
}
