package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.command.DeviceAdd;

/**
 * A QEMU device: a disk frontend or a controller/bus it sits on. {@link #toJson()} is what
 * {@code -device} takes and what {@code device_add} takes, keys sorted.
 */
public sealed interface Device permits VirtioBlkPci, ScsiHd, ScsiCd, ScsiBlock, IdeHd, IdeCd, UsbStorage, Floppy,
        VirtioScsiPci, QemuXhci, Ich9Ahci, IsaFdc, PcieRootPort, VhostUserFsPci,
        VirtioSerialPci, VirtSerialPort, NetworkDevice {

    /** The device id ({@code /machine/peripheral/<id>} in QOM). */
    String id();

    /** QEMU's driver name. */
    String driver();

    ObjectNode toJson();

    /** The same object as a QMP {@code device_add}. */
    default DeviceAdd deviceAdd() {
        return new DeviceAdd(toJson());
    }

    /** Starts an object with {@code driver} and {@code id}. */
    static ObjectNode base(Device device) {
        ObjectNode o = Json.object();
        o.put("driver", device.driver());
        o.put("id", device.id());
        return o;
    }
}
