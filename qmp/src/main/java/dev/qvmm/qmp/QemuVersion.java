package dev.qvmm.qmp;

/** A QEMU version as QMP reports it; ordered, so capability checks can compare. */
public record QemuVersion(int major, int minor, int micro) implements Comparable<QemuVersion> {

    public boolean atLeast(int major, int minor) {
        return compareTo(new QemuVersion(major, minor, 0)) >= 0;
    }

    @Override
    public int compareTo(QemuVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(micro, o.micro);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + micro;
    }
}
