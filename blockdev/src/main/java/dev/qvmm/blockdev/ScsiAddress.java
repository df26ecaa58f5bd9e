package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** Where a SCSI device sits on a virtio-scsi controller: bus {@code <controller>.0}, channel, target, lun. */
public record ScsiAddress(String bus, int channel, int scsiId, int lun) {

    /** virtio-scsi's limits in QEMU: 256 targets, 16384 LUNs. */
    public static final int MAX_TARGET = 255;
    public static final int MAX_LUN = 16383;

    public ScsiAddress {
        Objects.requireNonNull(bus, "bus");
        if (scsiId < 0 || scsiId > MAX_TARGET || lun < 0 || lun > MAX_LUN || channel != 0) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, bus,
                    "SCSI address " + channel + ":" + scsiId + ":" + lun + " on " + bus
                            + " is outside channel 0, target 0.." + MAX_TARGET + ", lun 0.." + MAX_LUN);
        }
    }

    void render(ObjectNode o) {
        o.put("bus", bus);
        o.put("channel", channel);
        o.put("scsi-id", scsiId);
        o.put("lun", lun);
    }
}
