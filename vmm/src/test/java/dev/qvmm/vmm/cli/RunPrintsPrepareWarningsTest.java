package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code qvmm run} in-process shows a preparation warning before QEMU starts: the claims root is
 * moved by the host config onto an 8 MiB tmpfs where an 8 MiB request is tolerated at 7 MiB. The
 * kernelBoot directory has no kernel, so QEMU refuses to start and nothing boots.
 */
class RunPrintsPrepareWarningsTest {

    @TempDir
    Path dir;

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish within 30 s");
        }
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + new String(p.getInputStream().readAllBytes()));
    }

    @Test
    void aClaimMadeSmallerThanRequestedIsAWarningBeforeQemuStarts() throws Exception {
        Path claims = Files.createDirectories(dir.resolve("claims"));
        Path kernel = Files.createDirectories(dir.resolve("no-kernel"));
        Path cfg = Files.writeString(dir.resolve("host.yaml"),
                "claims: " + claims + "\npvcTolerateLessSpaceUpToPercent: 20\nallowedPaths: [" + dir + "]\naccelerator: tcg\n");
        Path vm = Files.writeString(dir.resolve("vm.yaml"), """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: warned}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    firmware:
                      kernelBoot:
                        container: {image: %s, kernelPath: /vmlinux}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - {name: a, persistentVolumeClaim: {claimName: big}}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: big}
                spec: {resources: {requests: {storage: 8Mi}}}
                """.formatted(kernel));
        run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", claims.toString());
        try {
            StringWriter err = new StringWriter();
            CommandLine cl = QvmmCommand.commandLine();
            cl.setOut(new PrintWriter(new StringWriter()));
            cl.setErr(new PrintWriter(err));
            int code = cl.execute("run", "--state-dir", dir.resolve("state").toString(), "--host-config", cfg.toString(),
                    "--no-console", "--start-timeout", "20", vm.toString());
            assertEquals(CliErrors.FAILED, code, err.toString());
            String e = err.toString();
            int warning = e.indexOf("warning: claim \"big\"");
            assertTrue(warning >= 0 && e.contains(String.valueOf(7L << 20)), e);
            assertTrue(e.indexOf("error:") > warning, "the warning comes before QEMU's failure:\n" + e);
            assertEquals(7L << 20, Files.size(claims.resolve("big/disk.img")), "the claim image is the user's and stays");
        } finally {
            run("umount", claims.toString());
        }
    }
}
