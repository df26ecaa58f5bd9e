package dev.qvmm.bench.qmp;

import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.QmpEvent;
import dev.qvmm.qmp.QmpEventListener;
import dev.qvmm.qmp.QmpSubscription;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Event flood through the whole client path: a {@link FakeQmpPeer} writes {@link #events}
 * (100,000) pre-encoded {@code JOB_STATUS_CHANGE} events (the kind block jobs emit in bursts) as
 * fast as the socket takes them, and one operation lasts until a subscriber of a connected
 * {@link QmpClient} has seen every one of them, or was told it lost some.
 * Read, parse, fan-out on the I/O thread and delivery on the event executor are all in the time.
 * Target: at least 200,000 events/s with none lost.
 *
 * <p>The subscriber's buffer holds two batches, as a user expecting bursts of this size would ask
 * for ({@code subscribe(filter, listener, bufferSize)}): with the default 65,536 a subscriber that
 * gets too little CPU while the I/O thread parses ahead loses part of a 100k burst, and is told so
 * through {@code onOverflow}; that was seen on a busy two-core host.
 *
 * <p>Each event's timestamp carries its sequence number, so the subscriber counts gaps and
 * reordering itself instead of trusting the overflow signal alone. The counts appear in the
 * results as secondary metrics, per measured iteration: {@code batches}, {@code lost} (events
 * not delivered), {@code outOfOrder} and {@code overflowSignalled}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// Netty loads its epoll library through JNI; JDK 24+ warns unless native access is granted.
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class EventFloodBenchmark {

    /** Base of the timestamps; event i is stamped BASE_SECONDS + i microseconds. */
    private static final long BASE_SECONDS = 1_795_365_900L;
    /** A batch that has not arrived after this long counts its missing events as lost. */
    private static final long BATCH_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Events per operation (one batch). */
    @Param("100000")
    public int events;

    private FakeQmpPeer peer;
    private QmpClient client;
    private QmpSubscription subscription;
    private final Counter counter = new Counter();
    private byte[] flood;

    /** What the subscriber saw, reported per measured iteration by JMH. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Tally {
        /** Batches of {@code events} measured. */
        public long batches;
        /** Events written but never delivered. */
        public long lost;
        /** Events whose sequence number was not the next one expected: a gap or a reordering. */
        public long outOfOrder;
        /** Events the client itself reported lost through {@code onOverflow}. */
        public long overflowSignalled;

        @Setup(Level.Iteration)
        public void reset() {
            batches = 0;
            lost = 0;
            outOfOrder = 0;
            overflowSignalled = 0;
        }
    }

    @Setup(Level.Trial)
    public void connect() throws Exception {
        flood = encodeFlood(events);
        peer = FakeQmpPeer.listen();
        CompletableFuture<Void> handshake = CompletableFuture.runAsync(() -> {
            try {
                peer.serveHandshake();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        client = QmpClient.connect(peer.socket());
        handshake.get(10, TimeUnit.SECONDS);
        subscription = client.subscribe(e -> "JOB_STATUS_CHANGE".equals(e.name()), counter, 2 * events);
    }

    @TearDown(Level.Trial)
    public void disconnect() throws IOException {
        try {
            if (subscription != null) {
                subscription.close();
            }
            if (client != null) {
                client.close();
            }
        } finally {
            peer.close();
        }
    }

    @Benchmark
    public long flood(Tally tally) throws IOException {
        long delivered = counter.delivered;
        long outOfOrder = counter.outOfOrder;
        long overflow = counter.overflowSignalled;
        counter.expect(events);
        peer.write(ByteBuffer.wrap(flood));
        counter.await(BATCH_DEADLINE_NANOS);
        long got = counter.delivered - delivered;
        tally.batches++;
        tally.lost += events - got;
        tally.outOfOrder += counter.outOfOrder - outOfOrder;
        tally.overflowSignalled += counter.overflowSignalled - overflow;
        return got;
    }

    private static byte[] encodeFlood(int events) {
        if (events < 1 || events > 1_000_000) {
            throw new IllegalArgumentException("events " + events + " is outside 1..1000000 (the sequence lives in the microseconds)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(events * 160);
        for (int i = 0; i < events; i++) {
            String line = "{\"timestamp\": {\"seconds\": " + BASE_SECONDS + ", \"microseconds\": " + i
                    + "}, \"event\": \"JOB_STATUS_CHANGE\", \"data\": {\"status\": \"running\", \"id\": \"backup-rootdisk\"}}\r\n";
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /**
     * The subscriber: counts events, checks their sequence, and wakes the benchmark thread once
     * the batch it expects is accounted for. Its calls never overlap (one subscription), so plain
     * increments of volatile fields are safe; the benchmark thread only reads them.
     */
    static final class Counter implements QmpEventListener {
        volatile long delivered;
        volatile long outOfOrder;
        volatile long overflowSignalled;
        private volatile long nextSequence;
        private volatile long target;
        private volatile Thread waiter;

        void expect(int events) {
            waiter = Thread.currentThread();
            nextSequence = 0; // every batch starts again at 0; the previous batch is complete or given up
            target = delivered + overflowSignalled + events;
        }

        void await(long deadlineNanos) {
            long end = System.nanoTime() + deadlineNanos;
            while (delivered + overflowSignalled < target && System.nanoTime() < end) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
            }
        }

        @Override
        public void onEvent(QmpEvent event) {
            Instant ts = event.timestamp();
            long sequence = (ts.getEpochSecond() - BASE_SECONDS) * 1_000_000 + ts.getNano() / 1_000;
            if (sequence != nextSequence) {
                outOfOrder++;
            }
            nextSequence = sequence + 1;
            delivered++;
            wakeIfDone();
        }

        @Override
        public void onOverflow(long lost) {
            overflowSignalled += lost;
            wakeIfDone();
        }

        private void wakeIfDone() {
            if (delivered + overflowSignalled >= target) {
                LockSupport.unpark(waiter);
            }
        }
    }
}
