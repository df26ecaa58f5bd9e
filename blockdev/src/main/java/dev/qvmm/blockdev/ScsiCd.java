package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code scsi-cd} on a virtio-scsi controller. */
public record ScsiCd(String id, ScsiAddress address, Frontend frontend) implements Device {

    public ScsiCd {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(frontend, "frontend");
    }

    @Override
    public String driver() {
        return "scsi-cd";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        frontend.render(o, true, true);
        return o;
    }
}
