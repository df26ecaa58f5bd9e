package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecPrefetchTest {

    private static final String VMI = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: pre}
            spec:
              domain:
                resources: {requests: {memory: 64Mi}}
                devices: {disks: [{name: a, disk: {}}]}
              volumes: [{name: a, emptyDisk: {capacity: 1Gi}}]
            """;

    @Test
    void theCommandGetsTheReadMadeWhileItsCommandLineWasParsed(@TempDir Path dir) throws Exception {
        Path spec = Files.writeString(dir.resolve("vm.yaml"), VMI);
        SpecPrefetch.readAll(new String[] {"run", "--state-dir", dir.toString(), spec.toString()});
        SpecReader.Result first = SpecPrefetch.read(dir.resolve(".").resolve("vm.yaml"), SpecContext.defaults());
        assertEquals("pre", first.spec().name());
        // taken once: a second read of the file is a read of it as it is now
        assertNotSame(first, SpecPrefetch.read(spec, SpecContext.defaults()));
    }

    @Test
    void aCommandWithAnotherContextReadsAgain(@TempDir Path dir) throws Exception {
        // A reservation is refused with the default context (what the prefetch uses) and read with it enabled.
        Path spec = Files.writeString(dir.resolve("vm.yaml"), VMI.replace("{name: a, disk: {}}", "{name: a, lun: {reservation: true}}")
                .replace("{name: a, emptyDisk: {capacity: 1Gi}}", "{name: a, persistentVolumeClaim: {claimName: a}}"));
        SpecPrefetch.readAll(new String[] {spec.toString()});
        assertEquals("pre", SpecPrefetch.read(spec, new SpecContext(true)).spec().name());
    }

    @Test
    void aSpecThatDoesNotReadFailsInTheCommandNamingItsField(@TempDir Path dir) throws Exception {
        Path spec = Files.writeString(dir.resolve("bad.yaml"), VMI.replace("64Mi", "lots"));
        SpecPrefetch.readAll(new String[] {spec.toString()});
        VmmException e = assertThrows(VmmException.class, () -> SpecPrefetch.read(spec, SpecContext.defaults()));
        assertTrue(e.getMessage().contains("spec.domain.resources.requests.memory"), e.getMessage());
    }
}
