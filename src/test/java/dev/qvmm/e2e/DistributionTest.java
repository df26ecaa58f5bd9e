package dev.qvmm.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tarball {@code mvn package} makes installs by unpacking and runs from anywhere. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistributionTest {

    @Test
    void unpackedDistributionRuns(@TempDir Path install) throws Exception {
        Path tarball;
        try (var files = Files.list(QvmmCli.CHECKOUT.resolve("vmm/target"))) {
            tarball = files.filter(f -> f.getFileName().toString().matches("qvmm-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no vmm/target/qvmm-*.tar.gz: mvn package makes it"));
        }
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", install.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar failed");
        Path top;
        try (var dirs = Files.list(install)) {
            top = dirs.findFirst().orElseThrow();
        }
        Path launcher = top.resolve("bin/qvmm");
        assertTrue(Files.isExecutable(launcher), "bin/qvmm is executable");

        Path out = install.resolve("out.txt");
        Process qvmm = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true)
                .redirectOutput(out.toFile()).directory(install.toFile()).start();
        assertTrue(qvmm.waitFor(60, TimeUnit.SECONDS), "bin/qvmm --version did not finish");
        String printed = Files.readString(out);
        assertEquals(0, qvmm.exitValue(), printed);
        assertTrue(printed.startsWith("qvmm 0."), printed);
    }
}
