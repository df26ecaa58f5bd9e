package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code scsi-hd} on a virtio-scsi controller. */
public record ScsiHd(String id, ScsiAddress address, Frontend frontend) implements Device {

    public ScsiHd {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(frontend, "frontend");
    }

    @Override
    public String driver() {
        return "scsi-hd";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        frontend.render(o, true, true);
        return o;
    }
}
