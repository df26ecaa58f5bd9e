package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code usb-storage} on a USB controller's bus ({@code <controller>.0}). */
public record UsbStorage(String id, String bus, Frontend frontend) implements Device {

    public UsbStorage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(frontend, "frontend");
    }

    @Override
    public String driver() {
        return "usb-storage";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        o.put("bus", bus);
        frontend.render(o, true, true);
        return o;
    }
}
