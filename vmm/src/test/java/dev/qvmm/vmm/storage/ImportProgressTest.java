package dev.qvmm.vmm.storage;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Without a terminal, progress becomes a few notes, never one per buffer, and the last always shows. */
class ImportProgressTest {

    private static ImportProgress.Status status(long bytes, boolean done) {
        return new ImportProgress.Status("dv", bytes, OptionalLong.of(100), 10.0, Optional.empty(), done);
    }

    @Test
    void throttledPassesTheFirstAndTheLastReportAndNothingBetweenWithinThePeriod() {
        List<Long> seen = new ArrayList<>();
        ImportProgress p = ImportProgress.throttled(Duration.ofHours(1), s -> seen.add(s.bytes()));
        p.report(status(1, false));
        p.report(status(50, false));
        p.report(status(99, false));
        p.report(status(100, true));
        assertEquals(List.of(1L, 100L), seen);
    }

    @Test
    void aZeroPeriodPassesEveryReport() {
        List<Long> seen = new ArrayList<>();
        ImportProgress p = ImportProgress.throttled(Duration.ZERO, s -> seen.add(s.bytes()));
        p.report(status(1, false));
        p.report(status(2, false));
        assertEquals(List.of(1L, 2L), seen);
    }
}
