package dev.qvmm.virtiofsd;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A virtiofsd binary and which implementation it is. {@link #find} looks where the host config
 * says, then in {@code /usr/libexec/virtiofsd} (the Rust daemon's home on current distributions),
 * {@code /usr/lib/qemu/virtiofsd} (the C daemon of QEMU up to 7.2, Debian 12), then on PATH. The
 * flavour is asked, not assumed: {@code --help} of the C daemon documents {@code -o source=},
 * the Rust one's {@code --shared-dir}. Probes are cached per path for the life of the JVM.
 */
public record VirtiofsdBinary(Path path, Flavour flavour) {

    static final List<Path> WELL_KNOWN = List.of(Path.of("/usr/libexec/virtiofsd"), Path.of("/usr/lib/qemu/virtiofsd"));
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final Map<Path, VirtiofsdBinary> PROBED = new ConcurrentHashMap<>();

    /** {@code configured} if given (it must then be there), else the first of the usual places that exists. */
    public static VirtiofsdBinary find(Optional<Path> configured) {
        if (configured.isPresent()) {
            Path p = configured.get();
            if (!Files.isExecutable(p)) {
                throw new VirtiofsdException(VirtiofsdException.Kind.NOT_FOUND, p.toString(), "virtiofsd " + p
                        + " (from the host config) is not an executable file");
            }
            return probe(p);
        }
        List<Path> candidates = new ArrayList<>(WELL_KNOWN);
        String pathEnv = System.getenv("PATH");
        if (pathEnv != null) {
            for (String dir : pathEnv.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "virtiofsd"));
                }
            }
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return probe(p);
            }
        }
        throw new VirtiofsdException(VirtiofsdException.Kind.NOT_FOUND, "virtiofsd", "no virtiofsd in "
                + WELL_KNOWN.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElseThrow()
                + " or on PATH; install it (Debian 12: qemu-system-common; newer: the virtiofsd package) "
                + "or set virtiofsd in the host config");
    }

    /** Asks {@code path --help} which implementation it is. */
    public static VirtiofsdBinary probe(Path path) {
        return PROBED.computeIfAbsent(path.toAbsolutePath(), VirtiofsdBinary::ask);
    }

    private static VirtiofsdBinary ask(Path path) {
        String help = help(path);
        return new VirtiofsdBinary(path, flavourOf(help).orElseThrow(() -> new VirtiofsdException(
                VirtiofsdException.Kind.UNRECOGNISED, path.toString(), "virtiofsd " + path
                + ": its --help mentions neither \"-o source=\" (the C daemon) nor \"--shared-dir\" (the Rust one):\n  "
                + help.strip().lines().limit(5).reduce((a, b) -> a + "\n  " + b).orElse("(no output)"))));
    }

    /** The flavour a {@code --help} text describes. */
    static Optional<Flavour> flavourOf(String help) {
        if (help.contains("--shared-dir")) {
            return Optional.of(Flavour.RUST);
        }
        if (help.contains("-o source=")) {
            return Optional.of(Flavour.C);
        }
        return Optional.empty();
    }

    private static String help(Path path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        exec.setStreamHandler(new PumpStreamHandler(out));
        exec.setWatchdog(ExecuteWatchdog.builder().setTimeout(PROBE_TIMEOUT).get());
        exec.setExitValues(null);
        try {
            exec.execute(new CommandLine(path.toFile()).addArgument("--help"));
        } catch (IOException e) {
            throw new VirtiofsdException(VirtiofsdException.Kind.UNRECOGNISED, path.toString(),
                    "cannot run " + path + " --help: " + e.getMessage(), e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
