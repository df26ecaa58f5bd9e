package dev.qvmm.vmm.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** KVM is chosen only where it can run a stock guest; each missing condition gives TCG with its reason. */
class KvmFactsTest {

    private static Path host(Path root, boolean devKvm, String cpuFlags, boolean pvm) throws Exception {
        Files.createDirectories(root.resolve("dev"));
        Files.createDirectories(root.resolve("proc"));
        if (devKvm) {
            Files.writeString(root.resolve("dev/kvm"), "");
        }
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nflags\t\t: fpu sse2 " + cpuFlags + " avx\n");
        if (pvm) {
            Files.createDirectories(root.resolve("sys/module/kvm_pvm"));
        }
        return root;
    }

    @Test
    void kvmWhenDevKvmIsUsableTheCpuHasVmxAndKvmIsNotParavirtual(@TempDir Path root) throws Exception {
        assertEquals(Accelerator.KVM, KvmFacts.probe(host(root, true, "vmx", false)).choose().accelerator());
    }

    @Test
    void svmCountsAsHardwareVirtualizationToo(@TempDir Path root) throws Exception {
        assertEquals(Accelerator.KVM, KvmFacts.probe(host(root, true, "svm", false)).choose().accelerator());
    }

    @Test
    void tcgWithoutDevKvm(@TempDir Path root) throws Exception {
        AcceleratorChoice c = KvmFacts.probe(host(root, false, "vmx", false)).choose();
        assertEquals(Accelerator.TCG, c.accelerator());
        assertEquals("/dev/kvm is missing or not read-writable", c.reason());
    }

    @Test
    void tcgOnParavirtualKvmEvenWithDevKvm(@TempDir Path root) throws Exception {
        AcceleratorChoice c = KvmFacts.probe(host(root, true, "vmx", true)).choose();
        assertEquals(Accelerator.TCG, c.accelerator());
        assertEquals("KVM here is paravirtual (kvm_pvm) and cannot run a stock guest", c.reason());
    }

    @Test
    void tcgWithoutVmxOrSvm(@TempDir Path root) throws Exception {
        assertEquals(Accelerator.TCG, KvmFacts.probe(host(root, true, "sse4_2", false)).choose().accelerator());
    }

    @Test
    void aForcedAcceleratorWinsAndSaysWhoForcedIt(@TempDir Path root) throws Exception {
        AcceleratorChoice c = KvmFacts.probe(host(root, false, "", false)).choose(Accelerator.KVM, "--accel kvm");
        assertEquals(Accelerator.KVM, c.accelerator());
        assertEquals("forced by --accel kvm", c.reason());
    }
}
