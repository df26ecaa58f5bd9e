package dev.qvmm.vmm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code qvmm}: the command line. Each subcommand is its own class in this package. */
@Command(name = "qvmm", mixinStandardHelpOptions = true, versionProvider = QvmmVersion.class,
        description = "Runs QEMU virtual machines from KubeVirt specs on a bare-metal host, without libvirt.",
        subcommands = {QmpCommandLine.class, PlanCommand.class, RunCommand.class})
public final class QvmmCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** When main was entered: JVM start-up ends here, for {@code run --timings}. */
    static volatile java.time.Instant mainEntered;

    public static void main(String[] args) {
        mainEntered = java.time.Instant.now();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new QvmmCommand());
    }
}
