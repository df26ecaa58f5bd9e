package dev.qvmm.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code scripts/qvmm} from the checkout exactly as a user does, with a deadline, and
 * returns its exit code and output. The build that runs the suite has just packaged the CLI,
 * so the script is told not to rebuild.
 */
final class QvmmCli {

    static final Path CHECKOUT = Path.of(System.getProperty("qvmm.checkout", "../..")).toAbsolutePath().normalize();

    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
        }
    }

    private QvmmCli() {
    }

    static Result run(Duration deadline, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>();
        argv.add(CHECKOUT.resolve("scripts/qvmm").toString());
        argv.addAll(List.of(args));
        if (args.length > 0 && (args[0].equals("run") || args[0].equals("plan"))) {
            // These tests keep images in their temporary directories and boot the probe guest from its
            // build directory; path confinement itself is tested in qvmm-vmm (AllowedPathsTest).
            argv.addAll(2, List.of("--allow-path", "/"));
        }
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("QVMM_SKIP_BUILD", "1");
        Path out = Files.createTempFile("qvmm-cli", ".out");
        Path err = Files.createTempFile("qvmm-cli", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("scripts/qvmm " + String.join(" ", args) + " did not finish within " + deadline
                        + "\n" + Files.readString(out) + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
