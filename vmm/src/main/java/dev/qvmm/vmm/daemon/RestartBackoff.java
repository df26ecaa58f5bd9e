package dev.qvmm.vmm.daemon;

import java.time.Duration;
import java.time.Instant;

/**
 * How long a VM whose run strategy restarts it waits before the next start: no wait after a run
 * that lasted {@link #STABLE_RUN} or longer, nor after the first short one; then 5 s, doubling
 * with every further short run, at most {@link #MAX}. A guest that crashes at boot thus costs the
 * host a start every 5 minutes at most, and a guest that ran for a while is back at once.
 */
final class RestartBackoff {

    static final Duration STABLE_RUN = Duration.ofSeconds(60);
    static final Duration FIRST = Duration.ofSeconds(5);
    static final Duration MAX = Duration.ofMinutes(5);

    private Instant lastStart;
    private int shortRuns;

    /** A run starts now. */
    void started() {
        started(Instant.now());
    }

    synchronized void started(Instant at) {
        lastStart = at;
    }

    /** The run that started last ended now: the wait before the next start. */
    Duration next() {
        return next(Instant.now());
    }

    synchronized Duration next(Instant now) {
        boolean shortRun = lastStart != null && Duration.between(lastStart, now).compareTo(STABLE_RUN) < 0;
        shortRuns = shortRun ? shortRuns + 1 : 0;
        if (shortRuns <= 1) {
            return Duration.ZERO;
        }
        Duration wait = FIRST.multipliedBy(1L << Math.min(shortRuns - 2, 10));
        return wait.compareTo(MAX) > 0 ? MAX : wait;
    }
}
