package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code ide-hd} on an AHCI port: {@code bus} is {@code ide.N} for q35's built-in controller. */
public record IdeHd(String id, String bus, Frontend frontend) implements Device {

    public IdeHd {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(frontend, "frontend");
    }

    @Override
    public String driver() {
        return "ide-hd";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        o.put("bus", bus);
        frontend.render(o, true, true);
        return o;
    }
}
