package dev.qvmm.vmm.spec;

import dev.qvmm.blockdev.BlockSizes;
import dev.qvmm.vmm.spec.dto.DiskDtos;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * KubeVirt's per-disk admission rules that {@link DiskConverter} does not already apply while
 * converting: {@code errorPolicy} given but empty, and {@code blockSize}. Disk names are DNS-1123
 * labels through {@link ObjectNames.Kind#DEVICE}, where every name rule lives.
 *
 * <p>{@code blockSize.custom} is checked in KubeVirt's order, one problem per disk: custom sizes with
 * {@code matchVolume} enabled; logical above physical; a logical size other than 512 on sata (QEMU's
 * IDE emulation supports no other); a discard granularity that is not a multiple of the logical size;
 * then each size a power of two from 512 to 2 MiB. {@code matchVolume} alone is refused by name: it
 * needs the volume's sizes, which qvmm does not probe.
 */
final class DiskAdmission {

    private DiskAdmission() {
    }

    static void validate(Problems problems, List<DiskDtos.Disk> disks, String path) {
        if (disks == null) {
            return;
        }
        for (int i = 0; i < disks.size(); i++) {
            DiskDtos.Disk d = disks.get(i);
            if (d != null && d.errorPolicy() != null && d.errorPolicy().isEmpty()) {
                // Absent means stop; given as "" KubeVirt refuses it as not one of the policies.
                problems.error(Problems.index(path, i) + ".errorPolicy", SpecProblem.Rule.INVALID_ERROR_POLICY,
                        "errorPolicy is empty; give one of stop, report, ignore, enospace, or leave it out (stop)");
            }
        }
    }

    /** The admitted custom block sizes of disk {@code d} at {@code p} on {@code bus}; empty when none or refused. */
    static Optional<BlockSize> blockSize(Problems problems, DiskDtos.BlockSize b, DiskDevice device, Optional<Bus> bus, String p) {
        if (b == null) {
            return Optional.empty();
        }
        String bp = p + ".blockSize";
        boolean match = b.matchVolume() != null && !Boolean.FALSE.equals(b.matchVolume().enabled());
        if (b.custom() != null && match) {
            problems.error(bp, SpecProblem.Rule.INVALID_BLOCK_SIZE,
                    "custom block sizes cannot be given together with matchVolume; keep one");
            return Optional.empty();
        }
        if (match) {
            problems.error(bp + ".matchVolume", SpecProblem.Rule.UNSUPPORTED_VALUE, "matchVolume takes the block sizes "
                    + "of the volume's storage, which qvmm does not probe; give blockSize.custom with the sizes "
                    + "(blockdev --getss --getpbsz DEVICE prints a device's), or remove blockSize for 512/512");
            return Optional.empty();
        }
        if (b.custom() == null) {
            return Optional.empty();
        }
        if (device instanceof DiskDevice.Floppy) {
            problems.error(bp, SpecProblem.Rule.UNSUPPORTED_VALUE, "a floppy has 512-byte sectors; remove blockSize");
            return Optional.empty();
        }
        String cp = bp + ".custom";
        long logical = b.custom().logical() == null ? 0 : b.custom().logical();
        long physical = b.custom().physical() == null ? 0 : b.custom().physical();
        Long granularity = b.custom().discardGranularity();
        if (logical > physical) {
            problems.error(cp + ".logical", SpecProblem.Rule.INVALID_BLOCK_SIZE, "logical size " + logical
                    + " is above the physical size " + physical + "; logical must be the same or less");
            return Optional.empty();
        }
        if (bus.orElse(null) == Bus.SATA && logical != BlockSizes.MIN) {
            problems.error(cp + ".logical", SpecProblem.Rule.INVALID_BLOCK_SIZE, "logical size " + logical
                    + " on bus sata: QEMU's SATA (IDE) emulation supports 512 only; use bus virtio or scsi for larger sectors");
            return Optional.empty();
        }
        if (granularity != null && logical != 0 && granularity % logical != 0) {
            problems.error(cp + ".discardGranularity", SpecProblem.Rule.INVALID_BLOCK_SIZE, "discard granularity "
                    + granularity + " is not a multiple of the logical size " + logical);
            return Optional.empty();
        }
        boolean ok = size(problems, cp + ".logical", logical) & size(problems, cp + ".physical", physical);
        if (granularity != null && (granularity < 0 || granularity > Integer.MAX_VALUE)) {
            problems.error(cp + ".discardGranularity", SpecProblem.Rule.INVALID_BLOCK_SIZE, "discard granularity "
                    + granularity + " is outside 0.." + Integer.MAX_VALUE);
            ok = false;
        }
        if (!ok) {
            return Optional.empty();
        }
        return Optional.of(new BlockSize((int) logical, (int) physical,
                granularity == null ? OptionalInt.empty() : OptionalInt.of(granularity.intValue())));
    }

    private static boolean size(Problems problems, String path, long size) {
        String why = size < BlockSizes.MIN ? "is below the smallest block size, " + BlockSizes.MIN
                : size > BlockSizes.MAX ? "is above the largest block size, " + BlockSizes.MAX + " (2Mi)"
                : (size & (size - 1)) != 0 ? "is not a power of two" : null;
        if (why != null) {
            problems.error(path, SpecProblem.Rule.INVALID_BLOCK_SIZE, "block size " + size + " " + why
                    + "; use a power of two from 512 to 2097152, such as 512 or 4096");
        }
        return why == null;
    }
}
