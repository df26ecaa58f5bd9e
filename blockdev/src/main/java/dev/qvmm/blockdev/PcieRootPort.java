package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code pcie-root-port} on {@code pcie.0}: one PCIe device sits behind each, and an empty one is a
 * place to hotplug a disk later. {@code chassis} and {@code port} must be unique per machine.
 */
public record PcieRootPort(String id, PciAddress address, int chassis, int port) implements Device {

    public PcieRootPort {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (chassis < 0 || chassis > 255 || port < 0 || port > 255) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, id,
                    "pcie-root-port \"" + id + "\": chassis " + chassis + " and port " + port + " must be within 0..255");
        }
    }

    @Override
    public String driver() {
        return "pcie-root-port";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        o.put("chassis", chassis);
        o.put("port", port);
        return o;
    }
}
