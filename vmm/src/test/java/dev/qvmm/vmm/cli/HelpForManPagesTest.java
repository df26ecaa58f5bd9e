package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What help2man needs to make man pages at package time: {@code qvmm --version} is one line
 * {@code qvmm VERSION}, and every command's {@code --help} has a one-line description, its usage,
 * options and exit codes (0, 1, 2).
 */
class HelpForManPagesTest {

    @Test
    void versionIsOneLine() {
        RealDaemon.Run r = RealDaemon.cli("--version");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r.out());
        assertTrue(lines.get(0).matches("qvmm \\S+"), lines.get(0));
    }

    @Test
    void everyCommandsHelpHasDescriptionUsageOptionsAndExitCodes() {
        List<String> names = List.copyOf(QvmmCommand.commandLine().getSubcommands().keySet());
        assertTrue(names.size() >= 20, names.toString());
        for (String name : names) {
            RealDaemon.Run r = RealDaemon.cli(name, "--help");
            assertEquals(0, r.code(), name + ": " + r.err());
            String help = r.out();
            List<String> lines = help.lines().toList();
            assertTrue(lines.get(0).startsWith("Usage: qvmm " + name), name + ":\n" + help);
            String summary = lines.stream().skip(1).dropWhile(l -> l.startsWith(" ")).filter(l -> !l.isBlank()).findFirst().orElse("");
            assertFalse(summary.isBlank() || summary.startsWith("-"), name + " has no one-line description:\n" + help);
            // A sentence that ends on its line: one Picocli did not wrap (help2man keeps the first line alone).
            assertTrue(summary.endsWith("."), name + "'s description does not fit on one line: " + summary);
            assertTrue(help.contains("-h, --help"), name + ":\n" + help);
            assertTrue(help.contains("Exit codes:"), name + " lists no exit codes:\n" + help);
            for (String code : List.of("0", "1", "2")) {
                assertTrue(lines.stream().anyMatch(l -> l.strip().startsWith(code + " ")), name + " does not explain exit code " + code + ":\n" + help);
            }
        }
    }

    @Test
    void theTopCommandListsEverySubcommandAndItsExitCodes() {
        RealDaemon.Run r = RealDaemon.cli("--help");
        assertEquals(0, r.code(), r.err());
        for (String name : QvmmCommand.commandLine().getSubcommands().keySet()) {
            assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(name + " ")), name + " missing from qvmm --help:\n" + r.out());
        }
        assertTrue(r.out().contains("Exit codes:"), r.out());
    }
}
