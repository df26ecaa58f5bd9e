package dev.qvmm.vmm.cli;

import com.sun.security.auth.module.UnixSystem;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Where qvmm keeps its state on this host, mixed into every subcommand ({@code --state-dir},
 * {@code --host-config}). The default state directory is {@code /var/lib/qvmm} for root and
 * {@code $XDG_STATE_HOME/qvmm} (else {@code ~/.local/state/qvmm}) for anyone else.
 */
public final class HostOptions {

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory (default: /var/lib/qvmm as root, else $XDG_STATE_HOME/qvmm).")
    Path stateDir;

    @Option(names = "--host-config", paramLabel = "FILE",
            description = "Host configuration file (YAML) overriding the built-in defaults: claims, configMaps, secrets, "
                    + "serviceAccounts, images (roots, default under the state dir), allowedPaths, pvcTolerateLessSpaceUpToPercent, "
                    + "expandDisks, persistentReservation, prHelperSocket, ioUring, spareRootPorts, accelerator, virtiofsd (binary), "
                    + "virtiofsdUser (\"UID:GID\": unprivileged virtiofsd). "
                    + "Command-line flags override the file; unknown keys and bad values are errors.")
    Path hostConfig;

    public Path stateDir() {
        return stateDir != null ? stateDir : defaultStateDir();
    }

    /** The host configuration file, or null when none was given. */
    public Path hostConfig() {
        return hostConfig;
    }

    static Path defaultStateDir() {
        if (new UnixSystem().getUid() == 0) {
            return Path.of("/var/lib/qvmm");
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("qvmm");
    }
}
