package dev.qvmm.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's first command does what the README says: boots the demo VM and shows its disks. */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class DemoTest {

    @Test
    void scriptsDemoBootsTheGuestAndTabulatesItsDisks() throws Exception {
        Path out = Files.createTempFile("qvmm-demo", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(QvmmCli.CHECKOUT.resolve("scripts/demo").toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("QVMM_SKIP_BUILD", "1");
            Process demo = pb.start();
            assertTrue(demo.waitFor(500, TimeUnit.SECONDS), "scripts/demo did not finish");
            String printed = Files.readString(out);
            assertEquals(0, demo.exitValue(), printed);
            assertTrue(printed.contains("demo Succeeded GuestShutdown"), printed);
            List<String> table = printed.lines().dropWhile(l -> !l.startsWith("== what the guest saw")).toList();
            for (String row : List.of("vda .* ROOT-0001 +2 ", "vdb +256 MiB +rw +SCRATCH-02", "vdc .* ro +GOLDEN-04",
                    "sda +128 MiB .*DATA-0003", "sr0 .* ro ", "ISO labelled INSTALL")) {
                assertTrue(table.stream().anyMatch(l -> l.matches(".*" + row + ".*")), "no row like /" + row + "/ in:\n" + printed);
            }
            // The guest's network: KubeVirt's default interface, its DHCP address, the page the demo serves on the host.
            assertTrue(printed.lines().anyMatch(l -> l.matches("eth0 got 10\\.0\\.2\\.2 by DHCP and fetched from the host: hello from .*"
                    + "served to the guest through qvmm's masquerade network")), printed);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
