package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** {@code virtio-scsi-pci}: the controller of scsi-hd, scsi-cd and scsi-block devices; its bus is {@code <id>.0}. */
public record VirtioScsiPci(String id, PciAddress address, Optional<String> iothread, OptionalInt numQueues) implements Device {

    public VirtioScsiPci {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(iothread, "iothread");
        Objects.requireNonNull(numQueues, "numQueues");
    }

    @Override
    public String driver() {
        return "virtio-scsi-pci";
    }

    /** The SCSI bus devices attach to. */
    public String bus() {
        return id + ".0";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        iothread.ifPresent(t -> o.put("iothread", t));
        numQueues.ifPresent(n -> o.put("num_queues", n));
        return o;
    }
}
