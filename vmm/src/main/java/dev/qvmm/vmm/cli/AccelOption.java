package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.AcceleratorChoice;
import dev.qvmm.vmm.host.KvmFacts;
import picocli.CommandLine;

/** The {@code --accel auto|kvm|tcg} option shared by the commands that plan a VM. */
final class AccelOption {

    private AccelOption() {
    }

    static AcceleratorChoice choose(String value, CommandLine cmd) {
        if ("auto".equals(value)) {
            return KvmFacts.probe().choose();
        }
        try {
            return KvmFacts.probe().choose(Accelerator.parse(value), "--accel " + value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--accel \"" + value + "\" is not auto, kvm or tcg");
        }
    }
}
