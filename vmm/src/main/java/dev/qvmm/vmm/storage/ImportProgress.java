package dev.qvmm.vmm.storage;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a DataVolume import reports how far it got. Called from the importing thread, about once a
 * second while bytes arrive and once at the end ({@link Status#done()}); an implementation must not block.
 */
@FunctionalInterface
public interface ImportProgress {

    /**
     * One report.
     *
     * @param dataVolume     the DataVolume being imported
     * @param bytes          bytes of the source read so far
     * @param totalBytes     the source's length when the server or file system says it
     * @param bytesPerSecond the mean rate since the transfer started
     * @param eta            the time left at that rate, when the total is known
     * @param done           true for the last report of a transfer that completed
     */
    record Status(String dataVolume, long bytes, OptionalLong totalBytes, double bytesPerSecond, Optional<Duration> eta,
                  boolean done) {
    }

    void report(Status status);

    /** Reports nothing. */
    ImportProgress NONE = s -> { };

    /** One line rewritten in place on the process's terminal, or {@link #NONE} when there is no terminal. */
    static ImportProgress terminal() {
        java.io.Console console = System.console();
        return console == null || !isTerminal(console) ? NONE : onTerminal(console.writer());
    }

    /**
     * JDK 22 to 24 return a Console for redirected streams too and added {@code isTerminal()} to
     * tell; this module is compiled for Java 21, which has neither, so the method is looked up.
     */
    private static boolean isTerminal(java.io.Console console) {
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** One line per DataVolume rewritten in place with carriage returns on {@code out}. */
    static ImportProgress onTerminal(PrintWriter out) {
        return s -> {
            out.print("\rDataVolume " + s.dataVolume() + ": " + line(s) + (s.done() ? "\n" : ""));
            out.flush();
        };
    }

    /**
     * Without a terminal: at most one report per {@code every} (and the last one) handed to
     * {@code sink}, e.g. as lifecycle notes on stderr.
     */
    public static ImportProgress throttled(Duration every, java.util.function.Consumer<Status> sink) {
        long[] last = {Long.MIN_VALUE};
        return s -> {
            long now = System.nanoTime();
            synchronized (last) {
                if (!s.done() && last[0] != Long.MIN_VALUE && now - last[0] < every.toNanos()) {
                    return;
                }
                last[0] = now;
            }
            sink.accept(s);
        };
    }

    /** {@code 12.0 MiB of 100.0 MiB (12%), 4.0 MiB/s, ETA 22 s}. */
    public static String line(Status s) {
        StringBuilder b = new StringBuilder(mib(s.bytes()));
        s.totalBytes().ifPresent(t -> b.append(" of ").append(mib(t))
                .append(t > 0 ? " (" + (s.bytes() * 100 / t) + "%)" : ""));
        b.append(", ").append(mib((long) s.bytesPerSecond())).append("/s");
        if (!s.done()) {
            s.eta().ifPresent(e -> b.append(", ETA ").append(e.toSeconds()).append(" s"));
        }
        return b.toString();
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
