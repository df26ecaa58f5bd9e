package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A PCI(e) NIC ({@code virtio-net-pci}, {@code e1000e}, ...) in front of {@code -netdev netdev}.
 * No option ROM: network boot is not offered, so the guest needs no iPXE image and the firmware
 * does not spend its time probing one.
 */
public record NetworkDevice(String id, String driver, PciAddress address, String netdev, String mac) implements Device {

    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    public NetworkDevice {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(netdev, "netdev");
        Objects.requireNonNull(mac, "mac");
        if (!MAC.matcher(mac).matches()) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, id, "NIC \"" + id + "\": mac \"" + mac
                    + "\" is not six lowercase hex octets");
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = Device.base(this);
        address.render(o);
        o.put("netdev", netdev);
        o.put("mac", mac);
        o.put("romfile", "");
        return o;
    }
}
