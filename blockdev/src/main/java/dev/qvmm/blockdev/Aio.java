package dev.qvmm.blockdev;

/** The {@code aio} of a file or host_device node. {@link #NATIVE} needs {@code cache.direct=on}. */
public enum Aio {
    THREADS("threads"), NATIVE("native"), IO_URING("io_uring");

    private final String qemu;

    Aio(String qemu) {
        this.qemu = qemu;
    }

    /** The value QEMU takes. */
    public String qemu() {
        return qemu;
    }
}
