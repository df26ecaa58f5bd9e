package dev.qvmm.vmm.spec;

/** What a disk looks like to the guest: an ordinary disk, a SCSI LUN, a CD-ROM or a floppy. */
public sealed interface DiskDevice permits DiskDevice.Disk, DiskDevice.Lun, DiskDevice.Cdrom, DiskDevice.Floppy {

    /** {@code disk: {}}. */
    record Disk() implements DiskDevice {
    }

    /** {@code lun: {}}; {@code reservation} lets the guest issue SCSI persistent reservations. */
    record Lun(boolean reservation) implements DiskDevice {
    }

    /** {@code cdrom: {}}: read-only unless {@code readonly: false}. */
    record Cdrom() implements DiskDevice {
    }

    /** {@code floppy: {}} (v1alpha1). */
    record Floppy() implements DiskDevice {
    }
}
