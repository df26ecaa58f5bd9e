package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.PciAddress;
import dev.qvmm.blockdev.PcieRootPort;
import dev.qvmm.vmm.VmmException;
import java.util.ArrayList;
import java.util.List;

/**
 * q35 PCIe layout: every PCIe device gets its own {@code pcie-root-port} (so it can be unplugged,
 * and an empty port takes a hotplugged disk). Root ports fill {@code pcie.0} slots 0x01..0x1e, eight
 * functions each (function 0 multifunction when the slot holds more); slot 0 is the host bridge and
 * 0x1f the ICH9 functions. That is {@value #MAX_PORTS} ports; a VM needing more is refused when the
 * layout is created, with the count, not by QEMU at start.
 */
final class PciLayout {

    static final int FIRST_SLOT = 0x01;
    static final int LAST_SLOT = 0x1e;
    static final int MAX_PORTS = (LAST_SLOT - FIRST_SLOT + 1) * 8;
    /** Port numbers start here, as libvirt numbers them; 0x10 + 239 = 0xff still fits the uint8. */
    private static final int FIRST_PORT_NUMBER = 0x10;

    private final int total;
    private final int spares;
    private int used;

    /** A layout for {@code devices} PCIe devices plus {@code spares} empty ports; fails if they do not fit. */
    PciLayout(int devices, int spares) {
        this.total = devices + spares;
        this.spares = spares;
        if (total > MAX_PORTS) {
            throw new VmmException(VmmException.Kind.LAYOUT_EXHAUSTED, "pcie.0",
                    "the VM needs " + total + " pcie-root-ports (" + devices + " PCIe devices + " + spares
                            + " spare for hotplug) but q35's pcie.0 addresses at most " + MAX_PORTS
                            + " (slots 0x01..0x1e x 8 functions); use fewer virtio disks or put disks on the scsi bus");
        }
    }

    /** The address of the next device: slot 0 of the next root port. */
    PciAddress next() {
        if (used >= total - spares) {
            throw new IllegalStateException("more PCIe devices placed than the " + (total - spares) + " counted");
        }
        return PciAddress.onPort(id(used++));
    }

    /** All root ports, the devices' and the spares. */
    List<PcieRootPort> ports() {
        List<PcieRootPort> out = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            boolean multi = i % 8 == 0 && i + 1 < total;
            out.add(new PcieRootPort(id(i), new PciAddress("pcie.0", FIRST_SLOT + i / 8, i % 8, multi), i + 1,
                    FIRST_PORT_NUMBER + i));
        }
        return out;
    }

    private static String id(int index) {
        return "pci." + (index + 1);
    }
}
