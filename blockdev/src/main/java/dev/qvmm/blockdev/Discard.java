package dev.qvmm.blockdev;

/** A node's {@code discard}: whether guest discard requests reach the image. */
public enum Discard {
    IGNORE("ignore"), UNMAP("unmap");

    private final String qemu;

    Discard(String qemu) {
        this.qemu = qemu;
    }

    public String qemu() {
        return qemu;
    }
}
