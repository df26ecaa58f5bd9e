package dev.qvmm.vmm.host;

/** The accelerator qvmm picked and why, as printed at start. */
public record AcceleratorChoice(Accelerator accelerator, String reason) {

    @Override
    public String toString() {
        return accelerator.name().toLowerCase() + " (" + reason + ")";
    }
}
