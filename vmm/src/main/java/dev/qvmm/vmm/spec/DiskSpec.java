package dev.qvmm.vmm.spec;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One validated disk with its volume, defaults applied (bus, cdrom read-only, error policy).
 * {@code path} is the disk's field path in the input, for messages raised later (planning).
 * {@code cache} and {@code io} are empty when the spec leaves them to the planner; {@code blockSize}
 * is empty for QEMU's default sizes (512/512).
 */
public record DiskSpec(String name, String path, DiskDevice device, Bus bus, boolean readOnly, Volume volume,
                       OptionalInt bootOrder, Optional<String> serial, boolean dedicatedIoThread,
                       Optional<CacheMode> cache, Optional<IoMode> io, ErrorPolicy errorPolicy, boolean shareable,
                       Optional<BlockSize> blockSize) {

    public DiskSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(bootOrder, "bootOrder");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(errorPolicy, "errorPolicy");
        Objects.requireNonNull(blockSize, "blockSize");
    }
}
