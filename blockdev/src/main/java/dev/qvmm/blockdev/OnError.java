package dev.qvmm.blockdev;

/** A device's {@code werror}/{@code rerror} (QAPI BlockdevOnError). */
public enum OnError {
    STOP("stop"), REPORT("report"), IGNORE("ignore"), ENOSPC("enospc");

    private final String qemu;

    OnError(String qemu) {
        this.qemu = qemu;
    }

    public String qemu() {
        return qemu;
    }
}
