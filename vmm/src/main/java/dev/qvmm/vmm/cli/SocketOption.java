package dev.qvmm.vmm.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The daemon's API socket: {@code --socket} after the subcommand, else before it, else
 * {@code $QVMM_SOCKET}, else {@code <state-dir>/qvmm.sock}.
 */
final class SocketOption {

    @Option(names = "--socket", paramLabel = "PATH",
            description = "The daemon's API socket (default: $QVMM_SOCKET, else <state-dir>/qvmm.sock)." + HostOptions.ANYWHERE)
    Path socket;

    Path socket(HostOptions host) {
        if (socket != null) {
            return socket;
        }
        Path before = host.socketBeforeSubcommand();
        if (before != null) {
            return before;
        }
        String env = System.getenv("QVMM_SOCKET");
        return env != null && !env.isBlank() ? Path.of(env) : host.stateDir().resolve("qvmm.sock");
    }
}
