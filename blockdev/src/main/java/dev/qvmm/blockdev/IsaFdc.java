package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code isa-fdc}: the floppy controller (q35 has none built in); its bus is {@code <id>.0}. */
public record IsaFdc(String id) implements Device {

    public IsaFdc {
        Objects.requireNonNull(id, "id");
    }

    @Override
    public String driver() {
        return "isa-fdc";
    }

    @Override
    public ObjectNode toJson() {
        return Device.base(this);
    }
}
