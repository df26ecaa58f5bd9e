package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The block sizes a disk frontend reports to the guest: QEMU's {@code logical_block_size},
 * {@code physical_block_size} and {@code discard_granularity} (KubeVirt's {@code blockSize.custom}).
 * QEMU itself refuses sizes that are not powers of two from 512 to 2 MiB, a logical size above the
 * physical one, and (on IDE) any logical size but 512; the first two are checked here, so a bad value
 * fails when the device is built, not when QEMU starts.
 */
public record BlockSizes(int logical, int physical, OptionalInt discardGranularity) {

    /** QEMU's and KubeVirt's smallest block size. */
    public static final int MIN = 512;
    /** QEMU's and KubeVirt's largest block size (2 MiB). */
    public static final int MAX = 2 * 1024 * 1024;

    public BlockSizes {
        Objects.requireNonNull(discardGranularity, "discardGranularity");
        if (!valid(logical) || !valid(physical)) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, "logical_block_size",
                    "block sizes " + logical + "/" + physical + " must be powers of two from " + MIN + " to " + MAX);
        }
        if (logical > physical) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, "logical_block_size",
                    "logical_block_size " + logical + " is above physical_block_size " + physical);
        }
    }

    /** Whether {@code size} is a power of two from {@link #MIN} to {@link #MAX}. */
    public static boolean valid(long size) {
        return size >= MIN && size <= MAX && (size & (size - 1)) == 0;
    }

    void render(ObjectNode o) {
        o.put("logical_block_size", logical);
        o.put("physical_block_size", physical);
        discardGranularity.ifPresent(g -> o.put("discard_granularity", g));
    }
}
