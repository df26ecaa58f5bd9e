package dev.qvmm.blockdev;

/** A protocol node's {@code locking}: {@link #OFF} for disks shared between VMs. */
public enum Locking {
    AUTO("auto"), ON("on"), OFF("off");

    private final String qemu;

    Locking(String qemu) {
        this.qemu = qemu;
    }

    public String qemu() {
        return qemu;
    }
}
