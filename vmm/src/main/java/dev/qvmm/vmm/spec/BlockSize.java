package dev.qvmm.vmm.spec;

import java.util.OptionalInt;

/**
 * A disk's {@code blockSize.custom}, admitted ({@link DiskAdmission}): the logical and physical block
 * sizes the guest sees, and the discard granularity when given.
 */
public record BlockSize(int logical, int physical, OptionalInt discardGranularity) {
}
