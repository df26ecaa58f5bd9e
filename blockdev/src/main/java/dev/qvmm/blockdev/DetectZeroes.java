package dev.qvmm.blockdev;

/** A node's {@code detect-zeroes}. {@link #UNMAP} is only valid together with {@link Discard#UNMAP}. */
public enum DetectZeroes {
    OFF("off"), ON("on"), UNMAP("unmap");

    private final String qemu;

    DetectZeroes(String qemu) {
        this.qemu = qemu;
    }

    public String qemu() {
        return qemu;
    }
}
