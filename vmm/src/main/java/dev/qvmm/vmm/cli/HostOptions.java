package dev.qvmm.vmm.cli;

import com.sun.security.auth.module.UnixSystem;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Where qvmm keeps its state on this host ({@code --state-dir}, {@code --host-config}), mixed into
 * the top command and into every subcommand, so both {@code qvmm --state-dir X run f} and
 * {@code qvmm run --state-dir X f} work, as kubectl and virsh users expect. A value given after the
 * subcommand wins over one given before it. The default state directory is {@code /var/lib/qvmm}
 * for root and {@code $XDG_STATE_HOME/qvmm} (else {@code ~/.local/state/qvmm}) for anyone else.
 */
public final class HostOptions {

    /** How the help says where these options may go, and which one counts when both are given. */
    static final String ANYWHERE = " Before or after the subcommand; after wins.";

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory (default: /var/lib/qvmm as root, else $XDG_STATE_HOME/qvmm)." + ANYWHERE)
    Path stateDir;

    @Option(names = "--host-config", paramLabel = "FILE",
            description = "Host configuration file (YAML) overriding the built-in defaults: claims, configMaps, secrets, "
                    + "serviceAccounts, images (roots, default under the state dir), allowedPaths, pvcTolerateLessSpaceUpToPercent, "
                    + "expandDisks, persistentReservation, prHelperSocket, ioUring, spareRootPorts, accelerator, virtiofsd (binary), "
                    + "virtiofsdUser (\"UID:GID\": unprivileged virtiofsd). "
                    + "Command-line flags override the file; unknown keys and bad values are errors." + ANYWHERE)
    Path hostConfig;

    /** The command this instance is mixed into; its parent holds the options given before the subcommand. */
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    public Path stateDir() {
        if (stateDir != null) {
            return stateDir;
        }
        QvmmCommand top = top();
        return top != null && top.host.stateDir != null ? top.host.stateDir : defaultStateDir();
    }

    /** The host configuration file, or null when none was given. */
    public Path hostConfig() {
        if (hostConfig != null) {
            return hostConfig;
        }
        QvmmCommand top = top();
        return top != null ? top.host.hostConfig : null;
    }

    /** {@code --socket} as given before the subcommand, or null. */
    Path socketBeforeSubcommand() {
        QvmmCommand top = top();
        return top != null ? top.socket.socket : null;
    }

    /** The top command when this instance belongs to one of its subcommands, else null. */
    private QvmmCommand top() {
        CommandLine.Model.CommandSpec parent = mixee != null ? mixee.parent() : null;
        while (parent != null) {
            if (parent.userObject() instanceof QvmmCommand q && q.host != this) {
                return q;
            }
            parent = parent.parent();
        }
        return null;
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
