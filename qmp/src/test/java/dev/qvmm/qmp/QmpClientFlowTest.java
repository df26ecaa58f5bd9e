package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static dev.qvmm.qmp.FakeQmpServer.line;
import static dev.qvmm.qmp.FakeQmpServer.returnFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flow control and event delivery against a {@link FakeQmpServer}: event floods, a subscriber too
 * slow to keep up, out-of-band commands while the in-band window is full, waiting for events, and
 * many threads sharing one connection while replies come back out of order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QmpClientFlowTest {

    private FakeQmpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = FakeQmpServer.start();
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }

    @Test
    void hundredThousandEventsArriveInOrderWhileCommandsComplete() throws InterruptedException {
        int events = 100_000;
        int commands = 20;
        try (QmpClient qmp = QmpClient.connect(server.socket(), QmpOptions.builder().eventBufferSize(events).build())) {
            Recorder ev = new Recorder();
            QmpSubscription subscription = qmp.subscribe(Set.of("EV"), ev);
            List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
            for (int i = 0; i < commands; i++) {
                calls.add(qmp.execute("echo", Map.of("n", i)));
            }

            int seq = 0;
            for (int c = 0; c < commands; c++) {
                JsonNode command = server.nextCommand();
                StringBuilder out = new StringBuilder();
                for (int k = 0; k < events / commands; k++) {
                    out.append(event("EV", seq++));
                    if (k == 100) {
                        out.append("{\"event\":\"OTHER\"}\r\n");
                    }
                    if (out.length() > 64 * 1024) {
                        server.write(out.toString());
                        out.setLength(0);
                    }
                }
                server.write(out + line(returnFor(command, command.at("/arguments/n"))));
            }

            for (int i = 0; i < commands; i++) {
                assertEquals(i, Await.value(calls.get(i)).asInt());
            }
            ev.awaitSeq(events - 1);
            assertEquals(LongStream.range(0, events).boxed().toList(), ev.log());
            assertEquals(0, subscription.lost());
        }
    }

    @Test
    void slowSubscriberIsToldExactlyHowManyEventsItLostAndWhere() throws InterruptedException {
        try (QmpClient qmp = QmpClient.connect(server.socket())) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Recorder slowLog = new Recorder();
            QmpSubscription slow = qmp.subscribe(e -> e.name().equals("EV"), new QmpEventListener() {
                @Override
                public void onEvent(QmpEvent event) {
                    slowLog.onEvent(event);
                    if (event.data().get("seq").asLong() == 0) {
                        entered.countDown();
                        awaitLatch(release);
                    }
                }

                @Override
                public void onOverflow(long lost) {
                    slowLog.overflow(lost);
                }
            }, 10);
            Recorder everything = new Recorder();
            QmpSubscription fast = qmp.subscribe(Set.of("EV"), everything);

            server.write(event("EV", 0));
            assertTrue(entered.await(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "the subscriber got no event");
            everything.awaitSeq(0);
            CompletableFuture<JsonNode> ping = qmp.execute("echo", "ping");
            JsonNode command = server.nextCommand();
            // One burst: the stuck subscriber's own buffer of 10 overflows, the other's does not.
            server.write(events(1, 100));
            everything.awaitSeq(100);
            server.reply(command, "pong");

            // Its listener is still stuck in event 0, yet the connection goes on.
            assertEquals("pong", Await.value(ping).asText());
            assertEquals(List.of(0L), slowLog.log());
            assertEquals(90, slow.lost(), "10 events fit the buffer, the other 90 of 1..100 are lost");

            release.countDown();
            slowLog.awaitSeq(10);
            server.write(events(101, 105));
            slowLog.awaitSeq(105);
            everything.awaitSeq(105);

            List<Long> expected = new ArrayList<>(List.of(0L));
            LongStream.rangeClosed(1, 10).forEach(expected::add);
            expected.add(-90L);
            LongStream.rangeClosed(101, 105).forEach(expected::add);
            assertEquals(expected, slowLog.log());
            assertEquals(90, slow.lost());
            assertEquals(LongStream.rangeClosed(0, 105).boxed().toList(), everything.log());
            assertEquals(0, fast.lost());
        }
    }

    @Test
    void outOfBandCommandIsNotStuckBehindTheInBandWindow() {
        try (QmpClient qmp = QmpClient.connect(server.socket(), QmpOptions.builder().maxInFlight(4).build())) {
            assertTrue(qmp.oobEnabled());
            assertEquals("oob", server.capabilitiesCommand().at("/arguments/enable/0").asText());
            List<CompletableFuture<JsonNode>> inBand = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                inBand.add(qmp.execute("x-work", Map.of("n", i)));
            }
            List<JsonNode> arrived = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                JsonNode c = server.nextCommand();
                assertEquals(i, c.at("/arguments/n").asInt());
                assertEquals("x-work", c.get("execute").asText());
                arrived.add(c);
            }

            // Commands reach the socket in submission order, so had a fifth in-band command been
            // written, it would arrive before this one.
            CompletableFuture<JsonNode> oob = qmp.executeOob("x-oob", Map.of("n", 100));
            JsonNode oobCommand = server.nextCommand();
            assertEquals("x-oob", oobCommand.path("exec-oob").asText(), "expected the exec-oob command, got " + oobCommand);
            server.reply(oobCommand, "oob done");
            assertEquals("oob done", Await.value(oob).asText());
            assertTrue(inBand.stream().noneMatch(CompletableFuture::isDone));

            server.reply(arrived.get(1), 2);
            assertEquals(2, Await.value(inBand.get(1)).asInt());
            assertEquals(5, server.nextCommand().at("/arguments/n").asInt());
            CompletableFuture<JsonNode> oob2 = qmp.executeOob("x-oob", Map.of("n", 101));
            JsonNode oob2Command = server.nextCommand();
            assertEquals(101, oob2Command.at("/arguments/n").asInt(), "one reply must release exactly one in-band command");
            server.reply(oob2Command, "oob2 done");
            assertEquals("oob2 done", Await.value(oob2).asText());
            assertFalse(inBand.get(5).isDone());
        }
    }

    @Test
    void awaitEventRegisteredBeforeTheCommandCatchesTheEventRightAfterTheReply() {
        try (QmpClient qmp = QmpClient.connect(server.socket(), QmpOptions.defaults())) {
            CompletableFuture<QmpEvent> deleted = qmp.awaitEvent("DEVICE_DELETED",
                    e -> "disk1".equals(e.data().path("device").asText()), Duration.ofSeconds(5));
            CompletableFuture<JsonNode> del = qmp.execute("device_del", Map.of("id", "disk1"));
            JsonNode command = server.nextCommand();
            assertEquals("device_del", command.get("execute").asText());

            server.write(line(returnFor(command, Map.of()))
                    + "{\"event\":\"DEVICE_DELETED\",\"data\":{\"device\":\"disk0\"},\"timestamp\":{\"seconds\":5,\"microseconds\":0}}\r\n"
                    + "{\"event\":\"DEVICE_DELETED\",\"data\":{\"device\":\"disk1\",\"path\":\"/machine/peripheral/disk1\"},"
                    + "\"timestamp\":{\"seconds\":1700000000,\"microseconds\":250}}\r\n");

            Await.value(del);
            QmpEvent event = Await.value(deleted);
            assertEquals("disk1", event.data().get("device").asText());
            assertEquals(Instant.ofEpochSecond(1_700_000_000L, 250_000L), event.timestamp());
        }
    }

    @Test
    void awaitEventWithoutTheEventTimesOutAndTheConnectionStaysUsable() {
        try (QmpClient qmp = QmpClient.connect(server.socket(), QmpOptions.defaults())) {
            long start = System.nanoTime();
            CompletableFuture<QmpEvent> never = qmp.awaitEvent("DEVICE_DELETED", e -> true, Duration.ofMillis(200));
            server.write("{\"event\":\"STOP\"}\r\n");

            QmpException e = Await.failure(never);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(QmpException.Kind.TIMEOUT, e.kind());
            assertTrue(waited >= 200 && waited < 2200, "timed out after " + waited + " ms");
            CompletableFuture<JsonNode> call = qmp.execute("echo", null);
            server.reply(server.nextCommand(), "ok");
            assertEquals("ok", Await.value(call).asText());
        }
    }

    @Test
    void manyThreadsEachGetTheirOwnReplyWhenRepliesComeBackOutOfOrder() throws Exception {
        int threads = 20;
        int callsEach = 100;
        try (QmpClient qmp = QmpClient.connect(server.socket(), QmpOptions.builder().maxInFlight(7).build());
             ExecutorService pool = Executors.newFixedThreadPool(threads + 1)) {
            Future<Integer> reordered = pool.submit(() -> answerInReversedBatches(threads * callsEach, 7));
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<?>> callers = IntStream.range(0, threads).<Future<?>>mapToObj(t -> pool.submit(() -> {
                start.await(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                for (int i = 0; i < callsEach; i++) {
                    JsonNode r = Await.value(qmp.execute("echo", Map.of("thread", t, "call", i)));
                    assertEquals(t, r.get("thread").asInt());
                    assertEquals(i, r.get("call").asInt());
                }
                return null;
            })).toList();

            for (Future<?> caller : callers) {
                caller.get(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            }
            assertTrue(reordered.get(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS) > 0,
                    "the server never had two commands to answer out of order");
        }
    }

    /** Reads up to {@code window} commands at a time and answers each batch last-first, echoing the arguments. */
    private int answerInReversedBatches(int total, int window) {
        int answered = 0;
        int reorderedBatches = 0;
        while (answered < total) {
            List<JsonNode> batch = new ArrayList<>(List.of(server.nextCommand()));
            JsonNode more;
            while (batch.size() < window && (more = server.pollCommand(Duration.ofMillis(5))) != null) {
                batch.add(more);
            }
            StringBuilder out = new StringBuilder();
            for (int i = batch.size() - 1; i >= 0; i--) {
                out.append(line(returnFor(batch.get(i), batch.get(i).get("arguments"))));
            }
            server.write(out.toString());
            answered += batch.size();
            reorderedBatches += batch.size() > 1 ? 1 : 0;
        }
        return reorderedBatches;
    }

    private static String event(String name, long seq) {
        return "{\"event\":\"" + name + "\",\"data\":{\"seq\":" + seq + "},\"timestamp\":{\"seconds\":1700000000,\"microseconds\":"
                + (seq % 1_000_000) + "}}\r\n";
    }

    private static String events(long first, long last) {
        StringBuilder out = new StringBuilder();
        for (long seq = first; seq <= last; seq++) {
            out.append(event("EV", seq));
        }
        return out.toString();
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the test never released the subscriber");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records each event's data.seq, and each overflow as minus the number lost. */
    private static final class Recorder implements QmpEventListener {
        final List<Long> log = new ArrayList<>();
        private long highest = -1;

        @Override
        public synchronized void onEvent(QmpEvent event) {
            long seq = event.data().get("seq").asLong();
            log.add(seq);
            highest = Math.max(highest, seq);
            notifyAll();
        }

        synchronized void overflow(long lost) {
            log.add(-lost);
        }

        synchronized List<Long> log() {
            return List.copyOf(log);
        }

        /** Waits, up to the deadline, until the event numbered {@code seq} (or a later one) has arrived. */
        synchronized void awaitSeq(long seq) throws InterruptedException {
            long deadline = System.nanoTime() + Await.DEADLINE.toNanos();
            while (highest < seq) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("event " + seq + " never arrived; the last was " + highest);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }
}
