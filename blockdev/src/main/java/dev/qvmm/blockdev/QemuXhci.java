package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code qemu-xhci}: a USB 3 controller; its bus is {@code <id>.0}. */
public record QemuXhci(String id, PciAddress address) implements Device {

    public QemuXhci {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public String driver() {
        return "qemu-xhci";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        return o;
    }
}
