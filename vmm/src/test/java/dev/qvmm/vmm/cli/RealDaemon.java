package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.daemon.ApiServer;
import dev.qvmm.vmm.daemon.Daemon;
import dev.qvmm.vmm.daemon.DaemonHost;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.HostConfig;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real qvmm daemon in the test's JVM, serving its real API on {@code <stateDir>/qvmm.sock}, for
 * the CLI's client commands. VMs are created Halted, so no QEMU runs: what is under test is the
 * client side, and the daemon answers exactly as a production one does.
 */
final class RealDaemon implements AutoCloseable {

    final Path stateDir;
    final Path socket;
    private final Daemon daemon;
    private final ApiServer api;

    RealDaemon(Path stateDir) throws IOException {
        this.stateDir = stateDir;
        this.socket = stateDir.resolve("qvmm.sock");
        DaemonHost host = new DaemonHost(HostConfig.defaults(stateDir), stateDir, "qemu-system-x86_64", Accelerator.TCG,
                Duration.ofSeconds(60), Optional.empty());
        daemon = Daemon.open(host, line -> { });
        api = ApiServer.bind(socket, daemon, Optional.empty(), false);
    }

    /** Stores a VirtualMachine with runStrategy Halted named {@code name} (nothing starts). */
    RealDaemon halted(String name) throws Exception {
        daemon.create("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: %s}
                spec:
                  runStrategy: Halted
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices: {disks: [{name: scratch, disk: {bus: virtio}}]}
                      volumes: [{name: scratch, emptyDisk: {capacity: 16Mi}}]
                """.formatted(name)).get(30, TimeUnit.SECONDS);
        return this;
    }

    private boolean closed;

    /** Idempotent, so a test may end the daemon early (to end a stream) and still close it in cleanup. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        api.close();
        daemon.close();
    }

    record Run(int code, String out, String err) {
    }

    /** Runs the CLI in-process with {@code args}, as {@code main} would build it. */
    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = QvmmCommand.commandLine(QvmmCommand.subcommandName(args));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
