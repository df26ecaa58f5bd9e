package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --state-dir}, {@code --host-config} and {@code --socket} before or after the subcommand,
 * judged by their effect: the claim path a plan uses, the claims root a host config sets, the
 * daemon a client command really reached. After the subcommand wins over before it.
 */
class GlobalOptionsTest {

    @TempDir
    Path dir;

    private static final String SPEC = "../examples/multiqueue.yaml";

    private String claimOf(Path state) {
        return state.resolve("claims/mypvc/disk.img").toString();
    }

    @Test
    void stateDirBeforeOrAfterPlan() {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        RealDaemon.Run before = RealDaemon.cli("--state-dir", a.toString(), "plan", "--accel", "tcg", SPEC);
        assertEquals(0, before.code(), before.err());
        assertTrue(before.out().contains(claimOf(a)), before.out());

        RealDaemon.Run after = RealDaemon.cli("plan", "--state-dir", b.toString(), "--accel", "tcg", SPEC);
        assertEquals(0, after.code(), after.err());
        assertTrue(after.out().contains(claimOf(b)), after.out());

        RealDaemon.Run both = RealDaemon.cli("--state-dir=" + a, "plan", "--state-dir", b.toString(), "--accel", "tcg", SPEC);
        assertEquals(0, both.code(), both.err());
        assertTrue(both.out().contains(claimOf(b)) && !both.out().contains(claimOf(a)), both.out());
    }

    @Test
    void hostConfigBeforeOrAfterPlan() throws Exception {
        Path early = dir.resolve("early-claims");
        Path late = dir.resolve("late-claims");
        Path cfgEarly = Files.writeString(dir.resolve("early.yaml"), "claims: " + early + "\n");
        Path cfgLate = Files.writeString(dir.resolve("late.yaml"), "claims: " + late + "\n");
        String state = dir.resolve("s").toString();

        RealDaemon.Run before = RealDaemon.cli("--host-config", cfgEarly.toString(), "plan", "--state-dir", state, "--accel", "tcg", SPEC);
        assertEquals(0, before.code(), before.err());
        assertTrue(before.out().contains(early.resolve("mypvc/disk.img").toString()), before.out());

        RealDaemon.Run both = RealDaemon.cli("--host-config", cfgEarly.toString(), "plan", "--host-config", cfgLate.toString(),
                "--state-dir", state, "--accel", "tcg", SPEC);
        assertEquals(0, both.code(), both.err());
        assertTrue(both.out().contains(late.resolve("mypvc/disk.img").toString()), both.out());
        assertFalse(both.out().contains(early.toString()), both.out());
    }

    @Test
    void runTakesThemBeforeOrAfterItsName() {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path cfg = dir.resolve("host.yaml");
        RunCommand before = parsedRun("--state-dir", a.toString(), "--host-config", cfg.toString(), "run", "vm.yaml");
        assertEquals(a, before.host.stateDir());
        assertEquals(cfg, before.host.hostConfig());

        RunCommand after = parsedRun("run", "--state-dir", b.toString(), "vm.yaml");
        assertEquals(b, after.host.stateDir());
        assertEquals(null, after.host.hostConfig());

        RunCommand both = parsedRun("--state-dir", a.toString(), "run", "--state-dir", b.toString(), "vm.yaml");
        assertEquals(b, both.host.stateDir());
    }

    private static RunCommand parsedRun(String... args) {
        CommandLine cl = QvmmCommand.commandLine(QvmmCommand.subcommandName(args));
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        return (RunCommand) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void socketAndStateDirBeforeOrAfterPs() throws Exception {
        try (RealDaemon daemon = new RealDaemon(dir.resolve("state")).halted("reached")) {
            Path elsewhere = dir.resolve("elsewhere");
            for (String[] args : new String[][] {
                    {"--socket", daemon.socket.toString(), "ps"},
                    {"ps", "--socket", daemon.socket.toString()},
                    {"--socket", elsewhere.resolve("none.sock").toString(), "ps", "--socket", daemon.socket.toString()},
                    {"--state-dir", daemon.stateDir.toString(), "ps"},
                    {"ps", "--state-dir", daemon.stateDir.toString()}}) {
                RealDaemon.Run r = RealDaemon.cli(args);
                assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
                assertTrue(r.out().lines().anyMatch(l -> l.startsWith("reached ")), String.join(" ", args) + ": " + r.out());
            }
            RealDaemon.Run lateWrong = RealDaemon.cli("--socket", daemon.socket.toString(), "ps", "--socket",
                    elsewhere.resolve("none.sock").toString());
            assertNotEquals(0, lateWrong.code(), lateWrong.out());
            assertTrue(lateWrong.err().contains(elsewhere.resolve("none.sock").toString()), lateWrong.err());
        }
    }

    @Test
    void helpSaysWhereTheyGoAndWhichWins() {
        RealDaemon.Run top = RealDaemon.cli("--help");
        assertTrue(top.out().contains("--state-dir") && top.out().contains("--socket"), top.out());
        assertTrue(top.out().contains("after wins"), top.out());
    }
}
