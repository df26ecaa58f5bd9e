package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --host-config} through the real command line, in-process: honoured, overridden by flags, checked. */
class HostConfigOptionTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
        long count(String needle) {
            return out.lines().filter(l -> l.contains(needle)).count();
        }
    }

    private Run plan(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = QvmmCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("plan", "--state-dir", dir.resolve("state").toString()));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private Path spec(String volume) throws Exception {
        return Files.writeString(dir.resolve("vm.yaml"), """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: hc}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - %s
                """.formatted(volume));
    }

    private Path config(String yaml) throws Exception {
        return Files.writeString(dir.resolve("host.yaml"), yaml);
    }

    @Test
    void theFileMovesRootsAndSetsTheAcceleratorAndFlagsOverrideIt() throws Exception {
        Path claims = dir.resolve("elsewhere/claims");
        Path cfg = config("claims: " + claims + "\naccelerator: tcg\nspareRootPorts: 5\n");
        Path vm = spec("{name: a, persistentVolumeClaim: {claimName: data}}");

        Run fromFile = plan("--host-config", cfg.toString(), vm.toString());
        assertEquals(0, fromFile.code(), fromFile.err());
        assertTrue(fromFile.out().contains(claims.resolve("data/disk.img").toString()), fromFile.out());
        assertTrue(fromFile.out().contains("accel=tcg") || fromFile.out().contains("\ntcg"), fromFile.out());

        Run overridden = plan("--host-config", cfg.toString(), "--spare-root-ports", "1", vm.toString());
        assertEquals(0, overridden.code(), overridden.err());
        assertEquals(4, fromFile.count("pcie-root-port") - overridden.count("pcie-root-port"),
                "--spare-root-ports 1 overrides the file's 5:\n" + overridden.out());
    }

    @Test
    void aBadKeyIsRejectedNamingTheFileTheKeyAndTheValue() throws Exception {
        Path cfg = config("claimz: /srv/claims\n");
        Run r = plan("--host-config", cfg.toString(), spec("{name: a, emptyDisk: {capacity: 1Mi}}").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(cfg.toString()) && r.err().contains("\"claimz\"") && r.err().contains("/srv/claims"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void aHostDiskOutsideTheAllowedPathsIsRejectedUnlessTheFileOrAFlagAllowsIt() throws Exception {
        Path disk = dir.resolve("outside/disk.img");
        Path vm = spec("{name: a, hostDisk: {path: " + disk + ", type: DiskOrCreate, capacity: 1Mi}}");

        Run byDefault = plan("--accel", "tcg", vm.toString());
        assertEquals(2, byDefault.code(), byDefault.err());
        assertTrue(byDefault.err().contains("volume \"a\" hostDisk.path: " + disk)
                && byDefault.err().contains(dir.resolve("state").toString()), byDefault.err());

        Path cfg = config("allowedPaths: [" + dir.resolve("outside") + "]\n");
        Run allowed = plan("--accel", "tcg", "--host-config", cfg.toString(), vm.toString());
        assertEquals(0, allowed.code(), allowed.err());

        Run flag = plan("--accel", "tcg", "--host-config", cfg.toString(), "--allow-path", dir.resolve("state").toString(), vm.toString());
        assertEquals(2, flag.code(), "--allow-path replaces the file's list:\n" + flag.err());
    }
}
