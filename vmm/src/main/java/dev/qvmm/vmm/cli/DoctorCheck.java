package dev.qvmm.vmm.cli;

/**
 * One finding of {@code qvmm doctor}: what was looked at, what was found and, when something is
 * missing, the command that installs or fixes it. {@code required} checks decide the exit code:
 * without them {@code qvmm run} cannot work; the others only limit what a spec may use.
 */
record DoctorCheck(String name, Status status, boolean required, String detail, String fix) {

    enum Status { OK, WARNING, MISSING }

    static DoctorCheck ok(String name, boolean required, String detail) {
        return new DoctorCheck(name, Status.OK, required, detail, "");
    }

    /** Missing or unusable: a failure when {@code required}, else a warning-level gap. */
    static DoctorCheck missing(String name, boolean required, String detail, String fix) {
        return new DoctorCheck(name, Status.MISSING, required, detail, fix);
    }

    static DoctorCheck warning(String name, String detail, String fix) {
        return new DoctorCheck(name, Status.WARNING, false, detail, fix);
    }

    /** True when this finding stops {@code qvmm run} from working. */
    boolean fails() {
        return required && status == Status.MISSING;
    }

    /** The Debian install line for {@code packageName}. */
    static String install(String packageName) {
        return "apt-get install -y " + packageName;
    }
}
