package dev.qvmm.vmm.cli;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The host {@code qvmm doctor} examines: a root for fixed paths ({@code /dev/kvm},
 * {@code /usr/share/qemu/firmware}, ...), the directories searched for programs (PATH), the state
 * directory and the daemon's socket. The real host is root {@code /} and the real PATH; a test
 * points both at a fake tree.
 */
record DoctorHost(Path root, List<Path> path, Path stateDir, Path socket, String qemuBinary) {

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(10);

    static List<Path> pathOf(String env) {
        return env == null ? List.of() : Arrays.stream(env.split(":")).filter(s -> !s.isEmpty()).map(Path::of).toList();
    }

    /** {@code absolute} (a path such as /usr/lib/qemu/virtiofsd) under this host's root. */
    Path fixed(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    /** The program {@code name} (or an absolute path, under the root), when it is an executable file. */
    Optional<Path> program(String name) {
        if (name.startsWith("/")) {
            Path p = fixed(name);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        return path.stream().map(d -> d.resolve(name)).filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    /** The first line {@code program arg} prints (stdout, else stderr), bounded in time; or why there is none. */
    static String firstLine(Path program, String arg) {
        CommandLine cmd = new CommandLine(program.toString()).addArgument(arg, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        exec.setStreamHandler(new PumpStreamHandler(out, out));
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(VERSION_TIMEOUT).get();
        exec.setWatchdog(watchdog);
        exec.setExitValues(null);
        try {
            exec.execute(cmd);
        } catch (ExecuteException e) {
            return watchdog.killedProcess() ? "(" + program + " " + arg + " did not answer within " + VERSION_TIMEOUT.toSeconds() + " s)"
                    : "(" + program + " " + arg + " failed: " + e.getMessage() + ")";
        } catch (IOException e) {
            return "(" + program + " " + arg + " cannot run: " + e.getMessage() + ")";
        }
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
    }
}
