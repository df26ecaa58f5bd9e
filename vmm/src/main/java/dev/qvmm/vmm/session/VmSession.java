package dev.qvmm.vmm.session;

import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.QmpEvent;
import dev.qvmm.qmp.QmpEventListener;
import dev.qvmm.qmp.QmpException;
import dev.qvmm.qmp.QmpOptions;
import dev.qvmm.qmp.QmpSubscription;
import dev.qvmm.qmp.command.Cont;
import dev.qvmm.qmp.command.Quit;
import dev.qvmm.qmp.command.SystemPowerdown;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.launch.Companion;
import dev.qvmm.vmm.launch.LaunchSpec;
import dev.qvmm.vmm.launch.QemuCommandLine;
import dev.qvmm.vmm.launch.QemuProcess;
import dev.qvmm.vmm.launch.RunDirectory;
import dev.qvmm.vmm.spec.FilesystemFailurePolicy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One running VM: owns its QEMU process and QMP connection and keeps its {@link VmState} from
 * QEMU's events and exit. Started with {@link #launch}; ends when QEMU exits, by the guest's own
 * power-off or by {@link #stop}, whose escalation is bounded at every step:
 * {@code system_powerdown} -> grace period -> {@code quit} -> SIGTERM -> SIGKILL.
 */
public final class VmSession implements AutoCloseable {

    static final Duration QUIT_WAIT = Duration.ofSeconds(5);
    static final Duration TERM_WAIT = Duration.ofSeconds(5);
    /**
     * How long an exit waits for the events QEMU sent before it, which reach the lifecycle on
     * another thread: QEMU's closed monitor ends them, so this bounds only a monitor that hangs.
     */
    private static final Duration EVENTS_AFTER_EXIT = Duration.ofSeconds(2);
    /** The reason of the event raised when a filesystem's daemon exits while the VM runs. */
    public static final String FILESYSTEM_FAILED = "FilesystemFailed";
    /** How long QEMU may take to exit after a companion did, for the companion's exit to count as QEMU's doing. */
    static final Duration COMPANION_EXIT_WAIT = Duration.ofSeconds(1);
    private static final Set<String> LIFECYCLE_EVENTS = Set.of("STOP", "RESUME", "SHUTDOWN", "RESET", "BLOCK_IO_ERROR");

    private final LaunchSpec spec;
    private final RunDirectory run;
    private final QemuProcess qemu;
    private final VmLifecycle lifecycle;
    private volatile QmpClient qmp;
    private volatile QmpSubscription events;
    /** Completes when the lifecycle subscription has delivered its last event (the monitor closed). */
    private final CompletableFuture<Void> eventsEnded = new CompletableFuture<>();
    private volatile String lastIoError;
    private volatile LaunchTimes launchTimes;
    private volatile java.time.Instant socketSeen;
    /** Why the VM is being stopped on its own account (a filesystem failed): it then ends Failed, not Succeeded. */
    private volatile String failedBecause;

    /** When QEMU was started, answered its greeting, and ran the guest: for start-up measurements. */
    public record LaunchTimes(java.time.Instant qemuStarted, java.time.Instant socketSeen, java.time.Instant monitorReady,
                              java.time.Instant running) {
    }

    private VmSession(LaunchSpec spec, RunDirectory run, QemuProcess qemu, VmLifecycle lifecycle) {
        this.spec = spec;
        this.run = run;
        this.qemu = qemu;
        this.lifecycle = lifecycle;
    }

    /**
     * Starts QEMU paused, connects QMP, subscribes to lifecycle events and lets the guest run.
     * Returns with the VM Running, or throws (QEMU's stderr in the message) with QEMU gone.
     */
    public static VmSession launch(LaunchSpec spec, RunDirectory run, Consumer<VmEvent> listener) {
        return launch(spec, run, listener, s -> { });
    }

    /**
     * As {@link #launch(LaunchSpec, RunDirectory, Consumer)}, running {@code beforeGuestRuns} once
     * QMP is connected and before the vCPUs start (e.g. to attach the console and miss nothing).
     */
    public static VmSession launch(LaunchSpec spec, RunDirectory run, Consumer<VmEvent> listener,
                                   Consumer<VmSession> beforeGuestRuns) {
        VmLifecycle lifecycle = new VmLifecycle(spec.vmName(), listener);
        lifecycle.moveTo(VmState.STARTING, "Launching", spec.qemuArgv().getFirst());
        List<String> argv = QemuCommandLine.build(spec, run);
        writeArgv(run, argv);
        java.time.Instant started = java.time.Instant.now();
        QemuProcess qemu = QemuProcess.start(argv, run, spec.vmName());
        VmSession session = new VmSession(spec, run, qemu, lifecycle);
        session.whenQemuExits();
        try {
            session.connect();
            java.time.Instant ready = java.time.Instant.now();
            beforeGuestRuns.accept(session);
            session.qmp.execute(new Cont()).join();
            session.launchTimes = new LaunchTimes(started, session.socketSeen, ready, java.time.Instant.now());
            lifecycle.moveTo(VmState.RUNNING, "Started", "QEMU pid " + qemu.pid());
            return session;
        } catch (RuntimeException e) {
            qemu.kill();
            session.awaitExit(TERM_WAIT);
            String why = e instanceof VmmException v ? v.getMessage() : rootMessage(e);
            lifecycle.moveTo(VmState.FAILED, "StartFailed", why);
            throw e instanceof VmmException v ? v : new VmmException(VmmException.Kind.QEMU_START_FAILED, spec.vmName(),
                    "VM \"" + spec.vmName() + "\" failed to start: " + why + stderrSuffix(qemu) + "\n  (run directory " + run.path() + ")",
                    List.of(), e);
        }
    }

    /**
     * Takes over a VM whose QEMU an earlier daemon started: reconnects QMP, subscribes to its
     * events and reads whether the guest runs or is paused. Empty when that QEMU is gone (then
     * the caller reports the VM Failed); throws when it is there but its monitor does not answer.
     */
    public static java.util.Optional<VmSession> adopt(LaunchSpec spec, RunDirectory run, long pid, Consumer<VmEvent> listener) {
        java.util.Optional<QemuProcess> found = QemuProcess.adopt(pid, run);
        if (found.isEmpty()) {
            return java.util.Optional.empty();
        }
        VmLifecycle lifecycle = new VmLifecycle(spec.vmName(), listener);
        VmSession session = new VmSession(spec, run, found.get(), lifecycle);
        session.whenQemuExits();
        try {
            session.qmp = QmpClient.connect(run.qmpSocket(), QmpOptions.builder().connectTimeout(spec.startTimeout()).build());
            session.subscribeLifecycle();
            dev.qvmm.qmp.command.StatusInfo status = session.qmp.execute(new dev.qvmm.qmp.command.QueryStatus()).join();
            String pidNote = "QEMU pid " + pid + " adopted";
            if (status.running()) {
                lifecycle.moveTo(VmState.RUNNING, "Adopted", pidNote);
            } else if (status.status().equals("shutdown")) {
                lifecycle.moveTo(VmState.STOPPING, "Adopted", pidNote + " while shutting down");
            } else {
                lifecycle.moveTo(VmState.PAUSED, "Adopted", pidNote + " (" + status.status() + ")");
            }
            return java.util.Optional.of(session);
        } catch (RuntimeException e) {
            session.closeMonitor();
            throw new VmmException(VmmException.Kind.QEMU_START_FAILED, spec.vmName(),
                    "VM \"" + spec.vmName() + "\": QEMU pid " + pid + " runs but its monitor " + run.qmpSocket()
                            + " does not answer: " + rootMessage(e), List.of(), e);
        }
    }

    /** Pauses the vCPUs ({@code stop}); the state follows QEMU's STOP event. */
    public void pause() {
        qmp.execute(new dev.qvmm.qmp.command.Stop()).join();
    }

    /** Resumes the vCPUs ({@code cont}), e.g. once the host fixed the disk behind an I/O error. */
    public void resume() {
        qmp.execute(new Cont()).join();
    }

    /** The exact argv, one argument per line, as {@code qemu.argv} in the run directory (for people and benchmarks). */
    private static void writeArgv(RunDirectory run, List<String> argv) {
        try {
            Files.write(run.file("qemu.argv"), argv);
        } catch (java.io.IOException e) {
            throw new VmmException(VmmException.Kind.RUN_DIRECTORY, run.path().toString(),
                    "cannot write " + run.file("qemu.argv") + ": " + e.getMessage(), List.of(), e);
        }
    }

    public LaunchTimes launchTimes() {
        return launchTimes;
    }

    private void connect() {
        try {
            qemu.awaitSocket(run.qmpSocket(), spec.startTimeout(), spec.vmName());
            socketSeen = java.time.Instant.now();
        } catch (VmmException e) {
            throw new VmmException(e.kind(), e.subject(), e.getMessage() + "\n  (run directory " + run.path() + ")", List.of(), e);
        }
        qmp = connectWhileStarting();
        subscribeLifecycle();
    }

    private void subscribeLifecycle() {
        events = qmp.subscribe(e -> LIFECYCLE_EVENTS.contains(e.name()), new QmpEventListener() {
            @Override
            public void onEvent(QmpEvent e) {
                VmSession.this.onEvent(e);
            }

            @Override
            public void onClose(QmpException cause) {
                eventsEnded.complete(null);
            }
        });
    }

    /**
     * Judges QEMU's exit only after the events it sent before exiting were seen: the process
     * reaper can report the exit before the subscription has delivered the SHUTDOWN that explains
     * it (seen once in seven demo runs as "QEMU exited with code 0 while Running").
     */
    private void whenQemuExits() {
        qemu.exit().thenCompose(code -> (events == null ? CompletableFuture.<Void>completedFuture(null) : eventsEnded.copy())
                        .completeOnTimeout(null, EVENTS_AFTER_EXIT.toMillis(), TimeUnit.MILLISECONDS)
                        .thenApply(drained -> code))
                .thenAccept(this::onQemuExit);
    }

    /**
     * QEMU binds its monitor socket before it listens on it, so the file can exist while a connect
     * is still refused (seen with 20 VMs starting on 2 cores). Refused connects are retried every
     * 5 ms while QEMU lives, up to the start timeout; no event marks the listen.
     */
    private QmpClient connectWhileStarting() {
        long deadline = System.nanoTime() + spec.startTimeout().toNanos();
        while (true) {
            try {
                return QmpClient.connect(run.qmpSocket(), QmpOptions.builder().connectTimeout(spec.startTimeout()).build());
            } catch (QmpException e) {
                boolean refused = String.valueOf(rootMessage(e)).contains("Connection refused");
                if (!refused || !qemu.isAlive() || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new VmmException(VmmException.Kind.QEMU_START_FAILED, spec.vmName(), "interrupted while QEMU was starting");
            }
        }
    }

    private void onEvent(QmpEvent e) {
        switch (e.name()) {
            case "BLOCK_IO_ERROR" -> {
                String disk = e.data().path("device").asText("");
                String node = e.data().path("node-name").asText("");
                lastIoError = "disk " + (disk.isEmpty() ? node : disk) + (node.isEmpty() ? "" : " (node " + node + ")") + ": "
                        + e.data().path("operation").asText() + " failed, " + e.data().path("reason").asText("I/O error")
                        + ", action " + e.data().path("action").asText();
                if (!"stop".equals(e.data().path("action").asText())) {
                    lifecycle.moveTo(lifecycle.current().state(), "IOError", lastIoError);
                }
            }
            case "STOP" -> {
                String io = lastIoError;
                lifecycle.moveTo(VmState.PAUSED, io != null ? "IOError" : "Paused", io != null ? io : "");
            }
            case "RESUME" -> {
                // The first RESUME answers launch's own cont: launch reports Running itself.
                if (lifecycle.current().state() == VmState.PAUSED) {
                    lastIoError = null;
                    lifecycle.moveTo(VmState.RUNNING, "Resumed", "");
                }
            }
            case "SHUTDOWN" -> {
                boolean guest = e.data().path("guest").asBoolean(false);
                lifecycle.moveTo(VmState.STOPPING, guest ? "GuestShutdown" : "HostShutdown", e.data().path("reason").asText(""));
            }
            case "RESET" -> lifecycle.moveTo(lifecycle.current().state(), "Reset", "the guest rebooted");
            default -> {
                // subscribed to LIFECYCLE_EVENTS only
            }
        }
    }

    private void onQemuExit(int code) {
        VmEvent now = lifecycle.current();
        if (failedBecause != null) {
            lifecycle.moveTo(VmState.FAILED, FILESYSTEM_FAILED, failedBecause);
        } else if (now.state() == VmState.STOPPING && (code == 0 || code == QemuProcess.EXIT_UNKNOWN)) {
            lifecycle.moveTo(VmState.SUCCEEDED, now.reason(), "QEMU exited");
        } else {
            String how = code == QemuProcess.EXIT_UNKNOWN ? "exited (status unknown: an earlier daemon started it)"
                    : code > 128 ? "was killed by signal " + (code - 128) : "exited with code " + code;
            lifecycle.moveTo(VmState.FAILED, "QemuExited", "QEMU " + how + " while " + now.state().phase() + stderrSuffix(qemu));
        }
        closeMonitor();
    }

    private void closeMonitor() {
        QmpSubscription s = events;
        if (s != null) {
            s.close();
        }
        QmpClient c = qmp;
        if (c != null) {
            c.close();
        }
    }

    public String name() {
        return spec.vmName();
    }

    public VmEvent status() {
        return lifecycle.current();
    }

    public long qemuPid() {
        return qemu.pid();
    }

    public RunDirectory runDirectory() {
        return run;
    }

    /** The QMP client of this VM: for operations beyond the lifecycle. */
    public QmpClient qmp() {
        return qmp;
    }

    /** Completes with the terminal event (Succeeded or Failed). */
    public CompletableFuture<VmEvent> terminated() {
        return lifecycle.terminated();
    }

    /**
     * Stops the VM: asks the guest to power off and waits up to {@code grace}, then escalates.
     * Returns the terminal event. A guest that ignores ACPI ends by {@code quit}; Succeeded
     * either way, because the user asked for the stop.
     */
    public VmEvent stop(Duration grace) {
        return stop(grace, "StopRequested", "grace period " + grace.toSeconds() + " s");
    }

    private VmEvent stop(Duration grace, String reason, String message) {
        if (lifecycle.current().state().terminal()) {
            return lifecycle.current();
        }
        lifecycle.moveTo(VmState.STOPPING, reason, message);
        if (tryCommand(new SystemPowerdown()) && awaitExit(grace)) {
            return lifecycle.terminated().join();
        }
        if (tryCommand(new Quit()) && awaitExit(QUIT_WAIT)) {
            return lifecycle.terminated().join();
        }
        qemu.terminate();
        if (!awaitExit(TERM_WAIT)) {
            kill();
        }
        return lifecycle.terminated().join();
    }

    /**
     * Watches the companions that serve the VM's filesystems (its virtiofsd daemons; pass no
     * other kind, the event names a filesystem). When one stops serving
     * while QEMU still runs, a {@value #FILESYSTEM_FAILED} event names it and {@code policy}
     * applies: {@link FilesystemFailurePolicy#STOP} stops the VM as {@link #stop} does, with
     * {@code grace}, and it ends Failed; {@link FilesystemFailurePolicy#CONTINUE} leaves it
     * running without the filesystem. A daemon leaving because QEMU went away (virtiofsd exits
     * when its frontend disconnects) is the VM's end, not a failure: it is ignored when the VM is
     * already stopping, or when QEMU exits within {@link #COMPANION_EXIT_WAIT} of it.
     */
    public void supervise(List<? extends Companion> companions, FilesystemFailurePolicy policy, Duration grace) {
        for (Companion c : companions) {
            c.failure().thenAcceptAsync(why -> onCompanionFailure(c, why, policy, grace),
                    r -> Thread.ofPlatform().daemon(true).name("supervise-" + c.forName()).start(r));
        }
    }

    private void onCompanionFailure(Companion c, String why, FilesystemFailurePolicy policy, Duration grace) {
        if (endingOrEnded()) {
            return;
        }
        try {
            qemu.exit().get(COMPANION_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return; // QEMU is gone too: the daemon followed it out
        } catch (TimeoutException e) {
            // QEMU runs on without it: a real failure
        } catch (Exception e) {
            return;
        }
        if (endingOrEnded()) {
            return;
        }
        String what = "filesystem \"" + c.forName() + "\": " + why;
        switch (policy) {
            case STOP -> {
                failedBecause = what;
                lifecycle.moveTo(lifecycle.current().state(), FILESYSTEM_FAILED, what + "; stopping the VM ("
                        + FilesystemFailurePolicy.ANNOTATION + ": stop)");
                stop(grace, FILESYSTEM_FAILED, "grace period " + grace.toSeconds() + " s");
            }
            case CONTINUE -> lifecycle.moveTo(lifecycle.current().state(), FILESYSTEM_FAILED, what
                    + "; the VM keeps running without it (" + FilesystemFailurePolicy.ANNOTATION + ": continue)");
        }
    }

    private boolean endingOrEnded() {
        VmState s = lifecycle.current().state();
        return s.terminal() || s == VmState.STOPPING || !qemu.isAlive();
    }

    /** SIGKILL now (the second Ctrl-C). Waits for the exit to be recorded. */
    public VmEvent kill() {
        qemu.kill();
        awaitExit(TERM_WAIT);
        return lifecycle.terminated().join();
    }

    private boolean tryCommand(dev.qvmm.qmp.command.QmpCommand<?> command) {
        QmpClient c = qmp;
        if (c == null) {
            return false;
        }
        try {
            c.execute(command).get(QUIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            // QEMU may exit (quit) before answering, or already be gone: the exit wait decides.
            return !(e.getCause() instanceof QmpException q) || q.kind() == QmpException.Kind.DISCONNECTED;
        }
    }

    private boolean awaitExit(Duration d) {
        try {
            qemu.exit().get(d.toMillis(), TimeUnit.MILLISECONDS);
            lifecycle.terminated().get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (Exception e) {
            return qemu.exit().isDone();
        }
    }

    /** Kills QEMU if it is still running. */
    @Override
    public void close() {
        if (qemu.isAlive()) {
            kill();
        }
    }

    private static String stderrSuffix(QemuProcess qemu) {
        String tail = qemu.stderrTail();
        return tail.isEmpty() ? "" : "\n  QEMU said: " + tail.replace("\n", "\n    ");
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
