package dev.qvmm.vmm.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * What decides whether KVM can run a guest on this host. {@code /dev/kvm} alone is not enough:
 * a paravirtual KVM ({@code kvm_pvm} module, no vmx/svm flags) accepts QMP under {@code -S} but
 * hangs a stock kernel once it runs, and {@code -cpu host} aborts there.
 */
public record KvmFacts(boolean devKvmReadWrite, boolean hardwareVirtualization, boolean paravirtualKvm) {

    private static final Pattern VMX_OR_SVM = Pattern.compile("^flags\\s*:.*\\b(vmx|svm)\\b", Pattern.MULTILINE);

    public static KvmFacts probe() {
        return probe(Path.of("/"));
    }

    /** Reads the facts under {@code root} (a test can point it at a fake tree). */
    public static KvmFacts probe(Path root) {
        Path dev = root.resolve("dev/kvm");
        boolean rw = Files.isReadable(dev) && Files.isWritable(dev);
        boolean hw;
        try {
            hw = VMX_OR_SVM.matcher(Files.readString(root.resolve("proc/cpuinfo"))).find();
        } catch (IOException e) {
            hw = false;
        }
        return new KvmFacts(rw, hw, Files.exists(root.resolve("sys/module/kvm_pvm")));
    }

    /** The accelerator to use when nobody forced one, with the reason in a user's words. */
    public AcceleratorChoice choose() {
        if (!devKvmReadWrite) {
            return new AcceleratorChoice(Accelerator.TCG, "/dev/kvm is missing or not read-writable");
        }
        if (paravirtualKvm) {
            return new AcceleratorChoice(Accelerator.TCG, "KVM here is paravirtual (kvm_pvm) and cannot run a stock guest");
        }
        if (!hardwareVirtualization) {
            return new AcceleratorChoice(Accelerator.TCG, "the CPU flags show neither vmx nor svm");
        }
        return new AcceleratorChoice(Accelerator.KVM, "/dev/kvm is usable and the CPU has hardware virtualization");
    }

    /** {@code forced} (from the command line or host config) wins; otherwise {@link #choose()}. */
    public AcceleratorChoice choose(Accelerator forced, String forcedBy) {
        return forced != null ? new AcceleratorChoice(forced, "forced by " + forcedBy) : choose();
    }
}
