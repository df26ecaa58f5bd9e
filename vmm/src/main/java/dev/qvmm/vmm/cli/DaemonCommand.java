package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.daemon.ApiServer;
import dev.qvmm.vmm.daemon.Daemon;
import dev.qvmm.vmm.daemon.DaemonHost;
import dev.qvmm.vmm.host.AcceleratorChoice;
import dev.qvmm.vmm.host.HostConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code qvmm daemon}: owns the host's VMs and serves the API on a Unix socket until SIGTERM or
 * Ctrl-C. Guests outlive it: their QEMUs run in sessions of their own, and the next daemon adopts
 * them from {@code <state-dir>/vms}.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Run the qvmm daemon: many VMs, a JSON API over HTTP on a Unix socket.",
                "Stopping the daemon leaves every guest running; the next daemon adopts them."})
public final class DaemonCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    PlanOptions planning;

    @CommandLine.Mixin
    SocketOption socket;

    @Option(names = "--socket-group", paramLabel = "GROUP",
            description = "Group that may use the API socket (mode 0660); default: qvmm when that group exists, else the daemon's own.")
    String socketGroup;

    @Option(names = "--qemu-user", paramLabel = "USER",
            description = "Run every QEMU as USER once it has started (QEMU's -runas); the daemon then opens images QEMU needs later "
                    + "(hotplug, media) and passes them as descriptors. Needs a root daemon.")
    String qemuUser;

    @Option(names = "--qmp-passthrough",
            description = "Let API users send any QMP command to a VM's monitor (POST /v1/vms/NAME/qmp): as powerful as QEMU itself.")
    boolean qmpPassthrough;

    @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long each QEMU may take to bring up its monitor (default ${DEFAULT-VALUE}).")
    long startTimeoutSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            HostConfig config = planning.config(host, spec.commandLine());
            AcceleratorChoice accel = planning.accelerator(config, host, spec.commandLine());
            if (qemuUser != null && new com.sun.security.auth.module.UnixSystem().getUid() != 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--qemu-user " + qemuUser
                        + " needs a daemon running as root (only root can make QEMU drop to another user)");
            }
            DaemonHost daemonHost = new DaemonHost(config, host.stateDir(), planning.qemuBinary, accel.accelerator(),
                    Duration.ofSeconds(startTimeoutSeconds), Optional.ofNullable(qemuUser));
            Daemon daemon = Daemon.open(daemonHost, line -> log(err, line));
            ApiServer api = ApiServer.bind(socket.socket(host), daemon, Optional.ofNullable(socketGroup).or(DaemonCommand::qvmmGroup), qmpPassthrough);
            daemon.subscribe(e -> log(err, e.toLine()));
            log(err, "accelerator " + accel + "; " + daemon.vms().size() + " VMs; listening on " + api.socket());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                api.close();
                daemon.close();
                log(err, "stopped; guests keep running");
                stopped.countDown();
            }));
            stopped.await();
            return 0;
        } catch (VmmException e) {
            return CliErrors.report(e, err);
        }
    }

    /** The {@code qvmm} group when the host has one (/etc/group). */
    private static Optional<String> qvmmGroup() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/group")).stream()
                    .anyMatch(l -> l.startsWith("qvmm:")) ? Optional.of("qvmm") : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static void log(PrintWriter err, String line) {
        synchronized (err) {
            err.println("qvmm daemon: " + line);
            err.flush();
        }
    }
}
