package dev.qvmm.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon stops a VM with the VM's own grace period, as {@code qvmm run} does; an explicit
 * {@code --grace} overrides it. The probe guest has no ACPI daemon, so every stop waits out
 * the whole grace period: how long a stop takes shows which one was used.
 */
class DaemonGraceTest {

    @BeforeAll
    static void buildGuest() throws Exception {
        RunCliTest.guest = ProbeGuest.build();
    }

    @AfterEach
    void killWhatTheTestLeft() throws IOException {
        DaemonTest.killAll();
    }

    private static String spec(String name, int graceSeconds) {
        return RunCliTest.spec(name, "qvmm_stay=1", "", "").replace("memory: 256Mi", "memory: 96Mi").replace("cores: 2", "cores: 1")
                .replace("spec:\n  domain:", "spec:\n  terminationGracePeriodSeconds: " + graceSeconds + "\n  domain:");
    }

    @Test
    void deleteHonoursTheSpecsGracePeriodAndAnExplicitGraceOverridesIt(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        DaemonTest.Daemon d = DaemonTest.Daemon.start(state);
        ApiCalls api = new ApiCalls(state.resolve("qvmm.sock"));
        String own = spec("own-grace", 4);
        assertTrue(own.contains("terminationGracePeriodSeconds: 4"), own);
        ApiCalls.Answer created = api.call("POST", "/v1/vms", own);
        assertEquals(201, created.status(), created.raw());

        long t0 = System.nanoTime();
        QvmmCli.Result deleted = d.cli("delete", "own-grace");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, deleted.exitCode(), deleted::toString);
        // 4 s of grace, then quit; not the 30 s default (the CLI's own start-up is under 3 s here)
        assertTrue(ms >= 4_000 && ms < 15_000, "qvmm delete took " + ms + " ms with the spec's 4 s grace");
        System.out.printf("qvmm delete with the spec's 4 s grace: %d ms%n", ms);

        ApiCalls.Answer long_ = api.call("POST", "/v1/vms", spec("long-grace", 600));
        assertEquals(201, long_.status(), long_.raw());
        t0 = System.nanoTime();
        QvmmCli.Result overridden = d.cli("delete", "--grace", "1", "long-grace");
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, overridden.exitCode(), overridden::toString);
        assertTrue(ms < 12_000, "qvmm delete --grace 1 took " + ms + " ms for a VM whose own grace is 600 s");
        System.out.printf("qvmm delete --grace 1 of a VM with 600 s grace: %d ms%n", ms);
        assertEquals(0, api.call("GET", "/v1/vms", "").body().size());
        d.kill("TERM");
    }
}
