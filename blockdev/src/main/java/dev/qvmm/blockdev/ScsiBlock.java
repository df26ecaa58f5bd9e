package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code scsi-block}: SCSI passthrough of a host block device (a {@code lun} disk). The guest sees
 * the device's own serial and cache, so {@code serial} and {@code write-cache} are refused here.
 */
public record ScsiBlock(String id, ScsiAddress address, Frontend frontend) implements Device {

    public ScsiBlock {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(frontend, "frontend");
        if (frontend.serial().isPresent()) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, id,
                    "scsi-block \"" + id + "\": serial is the host device's own and cannot be set");
        }
    }

    @Override
    public String driver() {
        return "scsi-block";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        frontend.render(o, false, false);
        return o;
    }
}
