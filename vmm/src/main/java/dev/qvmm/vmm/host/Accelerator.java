package dev.qvmm.vmm.host;

/** How QEMU executes guest code, with the CPU model that goes with it. */
public enum Accelerator {
    /** Hardware virtualization: fast, only where KVM can really run a stock guest. */
    KVM("kvm", "host"),
    /** Software emulation: runs everywhere, boots take seconds. */
    TCG("tcg", "max");

    private final String qemu;
    private final String cpuModel;

    Accelerator(String qemu, String cpuModel) {
        this.qemu = qemu;
        this.cpuModel = cpuModel;
    }

    /** The value of {@code -accel}. */
    public String qemu() {
        return qemu;
    }

    /** The value of {@code -cpu}: {@code host} needs real KVM, {@code max} works under TCG. */
    public String cpuModel() {
        return cpuModel;
    }

    /** Parses {@code kvm}, {@code tcg} (any case) as a user writes it, or throws naming the choices. */
    public static Accelerator parse(String value) {
        for (Accelerator a : values()) {
            if (a.name().equalsIgnoreCase(value)) {
                return a;
            }
        }
        throw new IllegalArgumentException("accelerator \"" + value + "\" is not one of kvm, tcg");
    }
}
