package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code virtio-serial-pci}: the controller whose bus {@code <id>.0} carries named
 * {@link VirtSerialPort}s (the guest sees them as {@code /dev/virtio-ports/<name>}).
 */
public record VirtioSerialPci(String id, PciAddress address) implements Device {

    public VirtioSerialPci {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
    }

    /** The bus its ports attach to. */
    public String bus() {
        return id + ".0";
    }

    @Override
    public String driver() {
        return "virtio-serial-pci";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        return o;
    }
}
