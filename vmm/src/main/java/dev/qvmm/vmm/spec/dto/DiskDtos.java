package dev.qvmm.vmm.spec.dto;

import com.fasterxml.jackson.annotation.JsonAlias;

/**
 * Wire records of {@code spec.domain.devices.disks[]} and {@code filesystems[]}. KubeVirt's API
 * spells the flag {@code readonly}; its documentation writes {@code readOnly}: both are read.
 */
public final class DiskDtos {

    private DiskDtos() {
    }

    public record Disk(String name, String volumeName, DiskTarget disk, LunTarget lun, CdromTarget cdrom,
                       FloppyTarget floppy, Integer bootOrder, String serial, Boolean dedicatedIOThread, String cache,
                       String io, String errorPolicy, Boolean shareable, String tag, BlockSize blockSize) {
    }

    /** {@code blockSize}: custom sizes, or {@code matchVolume} (sizes taken from the volume). */
    public record BlockSize(CustomBlockSize custom, MatchVolume matchVolume) {
    }

    /** Sizes in bytes; {@code Long} so that a negative or huge value is read and refused, not overflowed. */
    public record CustomBlockSize(Long logical, Long physical, Long discardGranularity) {
    }

    public record MatchVolume(Boolean enabled) {
    }

    public record DiskTarget(String bus, @JsonAlias("readOnly") Boolean readonly, String pciAddress) {
    }

    public record LunTarget(String bus, @JsonAlias("readOnly") Boolean readonly, Boolean reservation) {
    }

    public record CdromTarget(String bus, @JsonAlias("readOnly") Boolean readonly, String tray) {
    }

    public record FloppyTarget(@JsonAlias("readOnly") Boolean readonly, String tray) {
    }

    public record Filesystem(String name, Virtiofs virtiofs) {
    }

    public record Virtiofs() {
    }
}
