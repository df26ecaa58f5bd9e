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
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
