package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code ich9-ahci}: an extra AHCI controller (q35 has one built in, {@code ide}); its ports are {@code <id>.0..5}. */
public record Ich9Ahci(String id, PciAddress address) implements Device {

    public Ich9Ahci {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public String driver() {
        return "ich9-ahci";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        return o;
    }
}
