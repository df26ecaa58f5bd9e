package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code qvmm run} in-process: what the user got wrong and is only found while preparing (a
 * ConfigMap or a Secret key that is not there) exits 2, like every refusal; the exit code follows
 * the exception's kind, never its text. Both cases stop before QEMU starts.
 */
class PrepareErrorExitCodesTest {

    @TempDir
    Path dir;

    private record Run(int code, String err) {
    }

    private Run run(Path vm) {
        StringWriter err = new StringWriter();
        CommandLine cl = QvmmCommand.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> cl.execute("run", "--state-dir", dir.resolve("state").toString(),
                "--accel", "tcg", "--no-console", "--start-timeout", "20", vm.toString()));
        return new Run(code, err.toString());
    }

    private Path vm(String volume, String more) throws Exception {
        return Files.writeString(dir.resolve("vm.yaml"), """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: prep}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - name: a
                    %s
                %s""".formatted(volume, more));
    }

    @Test
    void aConfigMapThatIsNowhereExitsTwo() throws Exception {
        Run r = run(vm("configMap: {name: absent}", ""));
        assertEquals(CliErrors.INVALID_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("ConfigMap \"absent\" is neither in the YAML stream nor a directory"), r.err());
        assertFalse(r.err().contains("qemu"), "nothing of QEMU's: it never started\n" + r.err());
        // Found while preparing, reported as the reader reports: the subject, "1 problem:", the problem indented.
        assertTrue(r.err().lines().anyMatch(l -> l.endsWith(": 1 problem:")), r.err());
        assertFalse(r.err().contains("error: "), r.err());
    }

    @Test
    void aSecretWithoutTheUserDataKeyExitsTwo() throws Exception {
        Run r = run(vm("cloudInitNoCloud: {userDataSecretRef: {name: ci}}",
                "---\napiVersion: v1\nkind: Secret\nmetadata: {name: ci}\nstringData: {other: x}\n"));
        assertEquals(CliErrors.INVALID_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("volume \"a\"") && r.err().contains("userdata"), r.err());
    }

    @Test
    void theKindsThatExitTwoAreTheUsersInputOnly() {
        Set<VmmException.Kind> input = EnumSet.noneOf(VmmException.Kind.class);
        for (VmmException.Kind k : VmmException.Kind.values()) {
            int code = CliErrors.report(new VmmException(k, "s", "m"), new PrintWriter(new StringWriter()));
            assertEquals(k.userInput() ? CliErrors.INVALID_INPUT : CliErrors.FAILED, code, k.name());
            if (code == CliErrors.INVALID_INPUT) {
                input.add(k);
            }
        }
        // Host and peer failures stay 1: I/O, tools, space, registries and imports that may work on a retry.
        for (VmmException.Kind k : EnumSet.of(VmmException.Kind.VOLUME_UNAVAILABLE, VmmException.Kind.INSUFFICIENT_SPACE,
                VmmException.Kind.ISO_BUILD_FAILED, VmmException.Kind.QEMU_START_FAILED, VmmException.Kind.REGISTRY_UNREACHABLE,
                VmmException.Kind.IMPORT_UNREACHABLE, VmmException.Kind.RUN_DIRECTORY)) {
            assertFalse(input.contains(k), k.name());
        }
        assertTrue(input.containsAll(EnumSet.of(VmmException.Kind.SPEC_INVALID, VmmException.Kind.SPEC_UNREADABLE,
                VmmException.Kind.VOLUME_INVALID, VmmException.Kind.HOST_RESOURCE_UNRESOLVED, VmmException.Kind.PATH_NOT_ALLOWED,
                VmmException.Kind.HOST_CONFIG_INVALID, VmmException.Kind.IMPORT_SOURCE_NOT_FOUND)), input.toString());
    }
}
