package dev.qvmm.vmm.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {

    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");

    /** Runs of {@code seconds} each, back to back: the wait before each next start, in seconds. */
    private static List<Long> waits(RestartBackoff b, long... seconds) {
        List<Long> waits = new ArrayList<>();
        Instant t = T0;
        for (long s : seconds) {
            b.started(t);
            t = t.plusSeconds(s);
            Duration w = b.next(t);
            waits.add(w.toSeconds());
            t = t.plus(w);
        }
        return waits;
    }

    @Test
    void aGuestThatKeepsCrashingAtBootWaitsLongerEachTimeUpToFiveMinutes() {
        assertEquals(List.of(0L, 5L, 10L, 20L, 40L, 80L, 160L, 300L, 300L),
                waits(new RestartBackoff(), 3, 3, 3, 3, 3, 3, 3, 3, 3));
    }

    @Test
    void aRunOfAMinuteOrMoreStartsAgainAtOnceAndForgetsTheEarlierCrashes() {
        assertEquals(List.of(0L, 5L, 10L, 0L, 0L, 5L), waits(new RestartBackoff(), 3, 3, 3, 60, 3, 3));
    }

    @Test
    void anEndWithNoStartSeenByThisDaemonStartsAgainAtOnce() {
        assertEquals(Duration.ZERO, new RestartBackoff().next(T0));
    }
}
