package dev.qvmm.vmm.cli;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.host.AcceleratorChoice;
import dev.qvmm.vmm.host.HostConfig;
import dev.qvmm.vmm.launch.LaunchSpec;
import dev.qvmm.vmm.launch.RunDirectory;
import dev.qvmm.vmm.launch.VirtiofsdCompanion;
import dev.qvmm.vmm.session.ConsoleTap;
import dev.qvmm.vmm.session.VmEvent;
import dev.qvmm.vmm.session.VmSession;
import dev.qvmm.vmm.session.VmState;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.SpecWarning;
import dev.qvmm.vmm.storage.ArgvRenderer;
import dev.qvmm.vmm.storage.ArtifactPreparer;
import dev.qvmm.vmm.storage.ImportProgress;
import dev.qvmm.vmm.storage.StoragePlan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code qvmm run FILE}: plans, prepares and boots the VM in the foreground. The serial console
 * goes to stdout (and {@code console.log}), lifecycle events to stderr. Ctrl-C or SIGTERM stops
 * the guest (powerdown, grace period, quit, kill); a second one kills it. QEMU never outlives this
 * process, not even a SIGKILL of it. Exit 0 when the guest powered off or was stopped, 1 when
 * QEMU failed, 2 on invalid input.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot a VM from a KubeVirt spec in the foreground.",
                "Console on stdout, events on stderr. Ctrl-C stops the guest gracefully; a second Ctrl-C kills it."})
public final class RunCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    PlanOptions planning;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "VirtualMachineInstance or VirtualMachine YAML/JSON.")
    Path file;

    @Option(names = "--events", paramLabel = "text|json", defaultValue = "text",
            description = "Lifecycle events on stderr as text lines or JSON lines (default ${DEFAULT-VALUE}).")
    String events;

    @Option(names = "--grace", paramLabel = "SECONDS",
            description = "Grace period for a stop (default: the spec's terminationGracePeriodSeconds, else 30).")
    Long graceSeconds;

    @Option(names = "--no-console", description = "Do not copy the serial console to stdout (it is still in console.log).")
    boolean noConsole;

    @Option(names = "--timings", description = "Print start-up phase times (JVM, plan, prepare, QEMU greeting) as one JSON line on stderr.")
    boolean timings;

    @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long QEMU may take to bring up its monitor (default ${DEFAULT-VALUE}).")
    long startTimeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!events.equals("text") && !events.equals("json")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--events \"" + events + "\" is not text or json");
        }
        EventPrinter printer = new EventPrinter(err, events.equals("json"));
        RunDirectory run = null;
        ArtifactPreparer.Prepared prepared = null;
        Outcome outcome = Outcome.NOT_STARTED;
        try {
            HostConfig config = planning.config(host, spec.commandLine());
            StartTimings.mark("config");
            SpecReader.Result read = SpecPrefetch.read(file, new SpecContext(config.persistentReservation()));
            StartTimings.mark("read");
            read.warnings().forEach((SpecWarning w) -> err.println("warning: " + w));
            if (!read.spec().filesystems().isEmpty()) {
                Thread.ofPlatform().daemon(true).name("virtiofsd-warm-up").start(dev.qvmm.virtiofsd.Virtiofsd::warmUp);
            }
            AcceleratorChoice accel = planning.accelerator(config, host, spec.commandLine());
            printer.note("accelerator " + accel);
            StartTimings.mark("accelerator");
            StoragePlan plan = planning.plan(read.spec(), config, host.stateDir(), accel.accelerator());
            java.time.Instant planned = java.time.Instant.now();
            plan.notes().forEach(n -> printer.note(n));
            Duration grace = Duration.ofSeconds(graceSeconds != null ? graceSeconds
                    : read.spec().terminationGracePeriodSeconds().orElse(30));

            run = RunDirectory.create(host.stateDir(), plan.vmName());
            List<String> argv = ArgvRenderer.argv(plan);
            Files.write(run.file("plan.args"), argv);
            dev.qvmm.vmm.storage.PortForwards.save(run.file(dev.qvmm.vmm.storage.PortForwards.FILE), plan.forwards());
            plan.forwards().forEach(f -> printer.note("port forward " + f));
            StartTimings.mark("plan");
            // DataVolume imports: a progress line on a terminal, else a note every 5 s on stderr.
            ImportProgress terminal = ImportProgress.terminal();
            ImportProgress progress = terminal != ImportProgress.NONE ? terminal : ImportProgress.throttled(Duration.ofSeconds(5),
                            st -> printer.note("DataVolume " + st.dataVolume() + ": " + ImportProgress.line(st)));
            ArtifactPreparer preparer = new ArtifactPreparer(QemuImg.onPath(), progress)
                    .virtiofsd(config.virtiofsd(), config.virtiofsdUser());
            prepared = preparer.prepare(plan.artifacts());
            plan.kernel().ifPresent(StoragePlan.KernelPlan::requireInsideImage);
            preparer.warnings().forEach(w -> printer.note("warning: " + w));
            prepared.companions().forEach(c -> {
                if (c instanceof VirtiofsdCompanion v) {
                    printer.note("filesystem " + c.forName() + ": " + v.daemon());
                }
            });
            java.time.Instant preparedAt = java.time.Instant.now();

            StopSignals signals = StopSignals.install();
            ConsoleTap[] tap = new ConsoleTap[1];
            outcome = Outcome.FAILED;
            VmSession vm;
            try {
                vm = VmSession.launch(new LaunchSpec(plan.vmName(), argv, true, Duration.ofSeconds(startTimeoutSeconds)),
                        run, printer::event, session -> tap[0] = noConsole ? null : attachConsole(session));
            } catch (VmmException e) {
                throw withDaemonFailures(e, prepared);
            }
            signals.onFirst(() -> vm.stop(grace)).onSecond(vm::kill);
            prepared.companions().forEach(c -> c.qemuStarted(vm.qemuPid()));
            // The filesystem policy is for virtiofsd daemons only; other companions do not end up here.
            vm.supervise(prepared.companions().stream().filter(c -> c instanceof VirtiofsdCompanion).toList(),
                    read.spec().filesystemFailurePolicy(), grace);
            if (timings) {
                StartTimings.print(err, planned, preparedAt, vm.launchTimes());
            }
            VmEvent end = vm.terminated().join();
            if (tap[0] != null) {
                tap[0].drain(2000);
                tap[0].close();
            }
            outcome = end.state() == VmState.SUCCEEDED ? Outcome.SUCCEEDED : Outcome.FAILED;
            return outcome == Outcome.SUCCEEDED ? 0 : CliErrors.FAILED;
        } catch (VmmException e) {
            return CliErrors.report(e, err);
        } finally {
            cleanUp(run, prepared, outcome, err);
        }
    }

    /**
     * QEMU reports a virtiofsd that gave up as a vhost-user protocol error; the daemon's own log
     * says why (a directory it may not open, say). Daemons that failed are named with their log's
     * end. One that is still exiting as QEMU's failure arrives gets a moment (the two fail together).
     */
    private static VmmException withDaemonFailures(VmmException e, ArtifactPreparer.Prepared prepared) {
        StringBuilder why = new StringBuilder();
        for (dev.qvmm.vmm.launch.Companion c : prepared.companions()) {
            if (c instanceof VirtiofsdCompanion v) {
                Integer code;
                try {
                    code = v.daemon().exit().get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (Exception notExited) {
                    code = null;
                }
                if (code != null && code != 0) {
                    why.append("\n  filesystem \"").append(c.forName()).append("\": virtiofsd exited with code ").append(code)
                            .append("; its log ").append(v.daemon().log()).append(" ends:\n    ")
                            .append(String.join("\n    ", v.daemon().logTail().lines()
                                    .skip(Math.max(0, v.daemon().logTail().lines().count() - 3)).toList()));
                }
            }
        }
        return why.isEmpty() ? e : new VmmException(e.kind(), e.subject(), e.getMessage() + why, e.problems(), e);
    }

    private ConsoleTap attachConsole(VmSession session) {
        try {
            return ConsoleTap.attach(session.runDirectory().consoleSocket(), System.out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot attach to the console of " + session.name(), e);
        }
    }

    private enum Outcome { NOT_STARTED, FAILED, SUCCEEDED }

    /**
     * Ephemeral artifacts always go. The run directory goes when the VM ended well or never
     * started (nothing is left behind by bad input); after a QEMU failure it stays for its logs.
     */
    private static void cleanUp(RunDirectory run, ArtifactPreparer.Prepared prepared, Outcome outcome, PrintWriter err) {
        try {
            if (prepared != null) {
                prepared.removeEphemeral();
            }
            if (run != null) {
                if (outcome == Outcome.FAILED) {
                    Files.deleteIfExists(run.qmpSocket());
                    Files.deleteIfExists(run.consoleSocket());
                    err.println("qvmm: kept " + run.path() + " for its console.log and qemu.log");
                } else {
                    run.remove();
                }
            }
        } catch (IOException e) {
            err.println("warning: cleaning up " + (run != null ? run.path() : "") + " failed: " + e.getMessage());
        }
        err.flush();
    }
}
