package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code floppy} drive {@code unit} 0 or 1 on a floppy controller's bus ({@code <fdc>.0}). Floppies
 * have no serial, boot index or error policy in QEMU; the planner does not offer them.
 */
public record Floppy(String id, String bus, int unit, NodeName drive, boolean shareRw) implements Device {

    public static final int MAX_UNITS = 2;

    public Floppy {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(drive, "drive");
        if (unit < 0 || unit >= MAX_UNITS) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, id,
                    "floppy \"" + id + "\": unit " + unit + " is outside 0.." + (MAX_UNITS - 1));
        }
    }

    @Override
    public String driver() {
        return "floppy";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        o.put("bus", bus);
        o.put("unit", unit);
        o.put("drive", drive.value());
        o.put("share-rw", shareRw);
        return o;
    }
}
