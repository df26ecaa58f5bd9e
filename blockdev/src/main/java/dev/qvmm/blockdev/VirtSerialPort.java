package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code virtserialport}: a named port on a {@link VirtioSerialPci}'s bus whose host side is the
 * chardev {@code chardev}. The guest opens {@code /dev/virtio-ports/<name>}.
 */
public record VirtSerialPort(String id, String bus, String chardev, String name) implements Device {

    public VirtSerialPort {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(chardev, "chardev");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String driver() {
        return "virtserialport";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        o.put("bus", bus);
        o.put("chardev", chardev);
        o.put("name", name);
        return o;
    }
}
