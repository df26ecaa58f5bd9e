package dev.qvmm.qmp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Bounded waits on the client's futures, so a test fails with a reason instead of hanging. */
final class Await {

    static final Duration DEADLINE = Duration.ofSeconds(10);

    private Await() {
    }

    /** The value {@code f} completes with, within {@link #DEADLINE}. */
    static <T> T value(CompletableFuture<T> f) {
        try {
            return f.get(DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("expected a value, got " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no value within " + DEADLINE.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The {@link QmpException} {@code f} fails with, within {@link #DEADLINE}. */
    static QmpException failure(CompletableFuture<?> f) {
        try {
            Object v = f.get(DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
            throw new AssertionError("expected a failure, got the value " + v);
        } catch (ExecutionException e) {
            return assertInstanceOf(QmpException.class, e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("neither value nor failure within " + DEADLINE.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
