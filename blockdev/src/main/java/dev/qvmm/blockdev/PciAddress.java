package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Where a PCI device sits: a bus ({@code pcie.0} or a root port's id), a slot 0..31 and a function
 * 0..7; {@code multifunction} is set on function 0 of a slot whose other functions are used.
 */
public record PciAddress(String bus, int slot, int function, boolean multifunction) {

    public static final int MAX_SLOT = 31;
    public static final int MAX_FUNCTION = 7;

    public PciAddress {
        Objects.requireNonNull(bus, "bus");
        if (slot < 0 || slot > MAX_SLOT) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, "addr",
                    "PCI slot " + slot + " on bus " + bus + " is outside 0.." + MAX_SLOT);
        }
        if (function < 0 || function > MAX_FUNCTION) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, "addr",
                    "PCI function " + function + " on bus " + bus + " is outside 0.." + MAX_FUNCTION);
        }
    }

    /** Slot 0, function 0 of a root port: where every device behind a pcie-root-port sits. */
    public static PciAddress onPort(String rootPort) {
        return new PciAddress(rootPort, 0, 0, false);
    }

    void render(ObjectNode o) {
        o.put("bus", bus);
        o.put("addr", "0x" + Integer.toHexString(slot) + "." + function);
        if (multifunction) {
            o.put("multifunction", true);
        }
    }
}
