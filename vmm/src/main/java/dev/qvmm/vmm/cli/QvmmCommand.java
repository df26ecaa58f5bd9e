package dev.qvmm.vmm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code qvmm}: the command line. Each subcommand is its own class in this package. */
@Command(name = "qvmm", mixinStandardHelpOptions = true, versionProvider = QvmmVersion.class,
        description = "Runs QEMU virtual machines from KubeVirt specs on a bare-metal host, without libvirt.")
public final class QvmmCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** --state-dir and --host-config given before the subcommand (HostOptions falls back to these). */
    @CommandLine.Mixin
    HostOptions host;

    /** --socket given before the subcommand (for the commands that talk to the daemon). */
    @CommandLine.Mixin
    SocketOption socket;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** When main was entered: JVM start-up ends here, for {@code run --timings}. */
    static volatile java.time.Instant mainEntered;

    /** Every subcommand, in help order. */
    private static final java.util.Map<String, java.util.function.Supplier<Object>> SUBCOMMANDS = subcommands();

    private static java.util.Map<String, java.util.function.Supplier<Object>> subcommands() {
        java.util.Map<String, java.util.function.Supplier<Object>> m = new java.util.LinkedHashMap<>();
        m.put("qmp", QmpCommandLine::new);
        m.put("plan", PlanCommand::new);
        m.put("run", RunCommand::new);
        m.put("daemon", DaemonCommand::new);
        m.put("create", VmCommands.Create::new);
        m.put("start", VmCommands.Start::new);
        m.put("stop", VmCommands.Stop::new);
        m.put("restart", VmCommands.Restart::new);
        m.put("pause", VmCommands.Pause::new);
        m.put("resume", VmCommands.Resume::new);
        m.put("delete", VmCommands.Delete::new);
        m.put("ps", VmCommands.Ps::new);
        m.put("status", VmCommands.Status::new);
        m.put("addvolume", VmCommands.AddVolume::new);
        m.put("removevolume", VmCommands.RemoveVolume::new);
        m.put("volumes", VolumesCommand::new);
        m.put("eject", VmCommands.Eject::new);
        m.put("insert", VmCommands.Insert::new);
        m.put("console", VmCommands.Console::new);
        m.put("events", VmCommands.Events::new);
        m.put("doctor", DoctorCommand::new);
        m.put("completion", CompletionCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    public static void main(String[] args) {
        mainEntered = java.time.Instant.now();
        String sub = subcommandName(args);
        if (sub.equals("run") || sub.equals("plan")) {
            // The spec is read and, for run, the QMP transport warms up on the other core while
            // the command line is parsed (benchmarks/results/startup.md has the figures).
            Thread.ofPlatform().daemon(true).name("warm-up").start(() -> {
                SpecPrefetch.readAll(args);
                if (sub.equals("run")) {
                    dev.qvmm.qmp.QmpClient.warmUp();
                }
            });
        }
        System.exit(commandLine(sub).execute(args));
    }

    /**
     * The first word of {@code args} that is not a global option or its value: the subcommand's
     * name when the user gave one ({@code qvmm --state-dir X run f} names {@code run}).
     */
    static String subcommandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (GLOBAL_OPTIONS.contains(a)) {
                i++;
            } else if (GLOBAL_OPTIONS.stream().noneMatch(o -> a.startsWith(o + "="))) {
                return a;
            }
        }
        return "";
    }

    private static final java.util.Set<String> GLOBAL_OPTIONS = java.util.Set.of("--state-dir", "--host-config", "--socket");

    /** The whole command tree. */
    public static CommandLine commandLine() {
        return commandLine("");
    }

    /**
     * The command tree for a command line whose first word is {@code first}: only that
     * subcommand when it names one (Picocli's model of each command costs start-up time),
     * else all of them (help, errors).
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new QvmmCommand());
        SUBCOMMANDS.forEach((name, make) -> {
            if (first.equals(name) || !SUBCOMMANDS.containsKey(first)) {
                cl.addSubcommand(name, make.get());
            }
        });
        withExitCodes(cl);
        return cl;
    }

    /** The exit codes every command shares (CliErrors), for --help and the man pages made from it. */
    static final java.util.Map<String, String> EXIT_CODES = exitCodes();

    private static java.util.Map<String, String> exitCodes() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("0", "Success.");
        m.put(String.valueOf(CliErrors.FAILED), "Failure: the operation failed, QEMU failed, or the daemon refused.");
        m.put(String.valueOf(CliErrors.INVALID_INPUT), "Bad input: the command line, the spec or the host config.");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Every command without exit codes of its own (doctor explains its own) gets the shared ones. */
    private static void withExitCodes(CommandLine cl) {
        CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        if (usage.exitCodeList().isEmpty()) {
            usage.exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
        }
        cl.getSubcommands().values().forEach(QvmmCommand::withExitCodes);
    }
}
