package dev.qvmm.vmm.daemon;

import java.util.Locale;
import java.util.Objects;

/**
 * {@code addvolume}: the claim (or DataVolume) to attach, as virtctl takes it. {@code bus}
 * defaults to scsi, {@code diskType} to disk, {@code serial} to the volume name; {@code persist}
 * also records the disk in the stored spec, so it is there at the next start.
 */
public record VolumeRequest(String volumeName, String diskType, String bus, String serial, String cache, boolean persist) {

    public VolumeRequest {
        Objects.requireNonNull(volumeName, "volumeName");
        diskType = diskType == null ? "disk" : diskType.toLowerCase(Locale.ROOT);
        bus = bus == null ? "scsi" : bus.toLowerCase(Locale.ROOT);
        serial = serial == null ? volumeName : serial;
    }
}
