package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.qvmm.qmp.FakeQmpServer.line;
import static dev.qvmm.qmp.FakeQmpServer.returnFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client against a {@link FakeQmpServer} that misbehaves the way a real peer can: replies cut
 * at every byte or run together with events, garbage, stray and late replies, silence, huge
 * messages, and a connection that drops with commands pending.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QmpClientFaultTest {

    private static final String UNICODE = "caf\u00e9 \u65e5\u672c \ud83d\ude00";

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
    void repliesWrittenOneBytePerWriteCompleteTheRightFutures() {
        try (QmpClient qmp = connect(QmpOptions.defaults())) {
            List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
            List<JsonNode> commands = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                calls.add(qmp.execute("echo", Map.of("n", i)));
                commands.add(server.nextCommand());
            }
            StringBuilder out = new StringBuilder();
            for (int i = 2; i >= 0; i--) {
                JsonNode c = commands.get(i);
                out.append(line(returnFor(c, Map.of("n", c.at("/arguments/n").asInt(), "text", UNICODE + i))));
                out.append("{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
            }
            server.writeBytewise(out.toString().getBytes(StandardCharsets.UTF_8));

            for (int i = 0; i < 3; i++) {
                JsonNode r = Await.value(calls.get(i));
                assertEquals(i, r.get("n").asInt());
                assertEquals(UNICODE + i, r.get("text").asText());
            }
            assertTrue(qmp.isConnected());
        }
    }

    @Test
    void severalRepliesAndEventsInOneWrite() {
        try (QmpClient qmp = connect(QmpOptions.defaults())) {
            List<String> seen = new ArrayList<>();
            CompletableFuture<Void> allEvents = new CompletableFuture<>();
            qmp.subscribe(e -> e.name().startsWith("EV"), e -> {
                seen.add(e.name());
                if (seen.size() == 3) {
                    allEvents.complete(null);
                }
            });
            List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
            List<JsonNode> commands = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(qmp.execute("echo", Map.of("n", i)));
                commands.add(server.nextCommand());
            }
            server.write(line(returnFor(commands.get(2), 2)) + "{\"event\":\"EV1\"}\r\n"
                    + line(returnFor(commands.get(0), 0)) + line(returnFor(commands.get(3), 3))
                    + "{\"event\":\"EV2\"}{\"event\":\"EV3\"}" + line(returnFor(commands.get(1), 1)));

            for (int i = 0; i < 4; i++) {
                assertEquals(i, Await.value(calls.get(i)).asInt());
            }
            Await.value(allEvents);
            assertEquals(List.of("EV1", "EV2", "EV3"), seen);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "this is not JSON\r\n",
            "{\"return\": {}, \"id\": \r\n]]]",
            "[{\"return\": {}}]\r\n",
            "{\"neither\": \"reply nor event\"}\r\n",
            "{\"return\": {}}\r\n",
    })
    void garbageFailsThePendingCallAndClosesTheConnection(String garbage) {
        try (QmpClient qmp = connect(QmpOptions.defaults())) {
            CompletableFuture<JsonNode> pending = qmp.execute("query-status", null);
            server.nextCommand();

            server.write(garbage);

            assertEquals(QmpException.Kind.PROTOCOL, Await.failure(pending).kind());
            assertEquals(QmpException.Kind.PROTOCOL, Await.value(qmp.closeFuture()).kind());
            CompletableFuture<JsonNode> later = qmp.execute("query-status", null);
            assertTrue(later.isDone(), "a call after the connection failed must fail at once");
            assertEquals(QmpException.Kind.PROTOCOL, Await.failure(later).kind());
            assertFalse(qmp.isConnected());
            server.awaitClientClose();
        }
    }

    @Test
    void replyWithAnUnknownIdIsIgnored() {
        try (QmpClient qmp = connect(QmpOptions.defaults())) {
            CompletableFuture<JsonNode> call = qmp.execute("echo", Map.of("n", 1));
            JsonNode command = server.nextCommand();

            server.write("{\"return\": {\"stale\": true}, \"id\": 987654}\r\n"
                    + "{\"error\": {\"class\": \"GenericError\", \"desc\": \"stale\"}, \"id\": 987655}\r\n"
                    + line(returnFor(command, Map.of("real", true))));

            assertTrue(Await.value(call).get("real").asBoolean());
            CompletableFuture<JsonNode> next = qmp.execute("echo", null);
            server.reply(server.nextCommand(), "still usable");
            assertEquals("still usable", Await.value(next).asText());
        }
    }

    @Test
    void tenMegabyteReplyArrivesIntact() {
        StringBuilder sb = new StringBuilder(10 << 20);
        for (int i = 0; sb.length() < (10 << 20); i++) {
            sb.append(Integer.toHexString(i)).append(i % 97 == 0 ? UNICODE : "-");
        }
        String big = sb.toString();
        try (QmpClient qmp = connect(QmpOptions.defaults())) {
            CompletableFuture<JsonNode> call = qmp.execute("x-dump", null);
            JsonNode command = server.nextCommand();
            server.write(line(returnFor(command, big)) + "{\"event\":\"AFTER\"}\r\n");

            assertEquals(big, Await.value(call).asText());
            CompletableFuture<JsonNode> next = qmp.execute("echo", null);
            server.reply(server.nextCommand(), 1);
            assertEquals(1, Await.value(next).asInt());
        }
    }

    @Test
    void unansweredCommandTimesOutAndTheConnectionStaysUsable() {
        try (QmpClient qmp = connect(QmpOptions.defaults())) {
            Duration limit = Duration.ofMillis(300);
            long start = System.nanoTime();
            CompletableFuture<JsonNode> slow = qmp.execute("x-slow", Map.of("n", 1), limit);
            JsonNode slowCommand = server.nextCommand();

            QmpException e = Await.failure(slow);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(QmpException.Kind.TIMEOUT, e.kind());
            assertEquals("x-slow", e.command());
            assertTrue(waited >= limit.toMillis() && waited < limit.toMillis() + 2000, "timed out after " + waited + " ms");

            CompletableFuture<JsonNode> fast = qmp.execute("echo", Map.of("n", 2));
            server.reply(server.nextCommand(), "fast");
            assertEquals("fast", Await.value(fast).asText());

            server.reply(slowCommand, "late");
            CompletableFuture<JsonNode> after = qmp.execute("echo", Map.of("n", 3));
            server.reply(server.nextCommand(), "after");
            assertEquals("after", Await.value(after).asText());
            assertEquals(QmpException.Kind.TIMEOUT, Await.failure(slow).kind());
            assertTrue(qmp.isConnected());
        }
    }

    @Test
    void timedOutCommandKeepsItsSlotUntilTheLateReply() {
        // QEMU is still executing a command the client gave up on, so with a window of one the
        // next command must wait for that late reply rather than pile up in QEMU's queue.
        QmpOptions options = QmpOptions.builder().maxInFlight(1).timeout("x-slow", Duration.ofMillis(200)).build();
        try (QmpClient qmp = connect(options)) {
            CompletableFuture<JsonNode> slow = qmp.execute("x-slow", null);
            JsonNode slowCommand = server.nextCommand();
            assertEquals(QmpException.Kind.TIMEOUT, Await.failure(slow).kind());

            CompletableFuture<JsonNode> next = qmp.execute("echo", Map.of("n", 2));
            CompletableFuture<JsonNode> oob = qmp.executeOob("x-oob", null);
            assertTrue(server.nextCommand().has("exec-oob"), "the in-band command was sent while the window was full");
            server.reply(slowCommand, "late");
            JsonNode nextCommand = server.nextCommand();
            assertEquals(2, nextCommand.at("/arguments/n").asInt());
            server.reply(nextCommand, "next");
            assertEquals("next", Await.value(next).asText());
            assertFalse(oob.isDone());
        }
    }

    @Test
    void serverClosingFailsEveryPendingCommandAtOnce() {
        QmpClient qmp = connect(QmpOptions.builder().maxInFlight(4).build());
        try {
            List<CompletableFuture<JsonNode>> pending = new ArrayList<>();
            List<AtomicLong> failedAt = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                CompletableFuture<JsonNode> f = qmp.execute("x-work", Map.of("n", i));
                AtomicLong at = new AtomicLong();
                f.whenComplete((v, t) -> at.set(System.nanoTime()));
                pending.add(f);
                failedAt.add(at);
            }
            CompletableFuture<QmpEvent> awaited = qmp.awaitEvent("NEVER", e -> true, Duration.ZERO);
            CompletableFuture<QmpException> onClose = new CompletableFuture<>();
            qmp.subscribe(e -> true, new QmpEventListener() {
                @Override
                public void onEvent(QmpEvent event) {
                }

                @Override
                public void onClose(QmpException cause) {
                    onClose.complete(cause);
                }
            });
            for (int i = 0; i < 4; i++) {
                server.nextCommand(); // read, so the close is an orderly end of stream, as when QEMU exits
            }

            long closedAt = server.closeConnection();

            for (CompletableFuture<JsonNode> f : pending) {
                assertEquals(QmpException.Kind.DISCONNECTED, Await.failure(f).kind());
            }
            long slowest = failedAt.stream().mapToLong(a -> TimeUnit.NANOSECONDS.toMillis(a.get() - closedAt)).max().orElseThrow();
            assertTrue(slowest <= 100, "pending commands failed " + slowest + " ms after the server closed");
            assertEquals(QmpException.Kind.DISCONNECTED, Await.value(qmp.closeFuture()).kind());
            assertEquals(QmpException.Kind.DISCONNECTED, Await.failure(awaited).kind());
            assertEquals(QmpException.Kind.DISCONNECTED, Await.value(onClose).kind());

            CompletableFuture<JsonNode> later = qmp.execute("query-status", null);
            assertTrue(later.isDone(), "a call after the disconnect must fail at once");
            assertEquals(QmpException.Kind.DISCONNECTED, Await.failure(later).kind());
            assertFalse(qmp.isConnected());
            qmp.close();
            assertEquals(QmpException.Kind.DISCONNECTED, Await.value(qmp.closeFuture()).kind(), "close() replaced the reason");
        } finally {
            qmp.close(); // a second time: idempotent
        }
    }

    @Test
    void serverClosingWithACommandUnreadIsADisconnectNotAProtocolError() {
        // A QEMU killed with our bytes unread resets the connection (ECONNRESET) rather than
        // ending it; whichever the client sees first, reset, EPIPE or end of stream, it is a
        // disconnect: nothing malformed was received.
        try (QmpClient qmp = connect(QmpOptions.defaults())) {
            server.holdReads();
            CompletableFuture<JsonNode> read = qmp.execute("x-read", null);
            server.nextCommand();
            CompletableFuture<JsonNode> unread = qmp.execute("x-unread", Map.of("pad", "p".repeat(4096)));

            server.closeConnection();

            assertEquals(QmpException.Kind.DISCONNECTED, Await.failure(read).kind());
            assertEquals(QmpException.Kind.DISCONNECTED, Await.failure(unread).kind());
            assertEquals(QmpException.Kind.DISCONNECTED, Await.value(qmp.closeFuture()).kind());
        }
    }

    @Test
    void wireLogHasOneLinePerMessageWithItsDirection(@TempDir Path tmp) throws IOException {
        Path log = tmp.resolve("qmp-wire.log");
        try (QmpClient qmp = connect(QmpOptions.builder().wireLog(log).build())) {
            CompletableFuture<QmpEvent> stop = qmp.awaitEvent("STOP", e -> true, Await.DEADLINE);
            CompletableFuture<JsonNode> call = qmp.execute("stop", null);
            JsonNode command = server.nextCommand();
            server.write(line(returnFor(command, Map.of())) + "{\"event\": \"STOP\", \"data\": {\"text\": \"" + UNICODE + "\"}}\r\n");
            Await.value(call);
            Await.value(stop);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);

        assertEquals(6, lines.size(), String.join("\n", lines));
        String[] directions = {"<-", "->", "<-", "->", "<-", "<-"};
        String[] contains = {"\"QMP\"", "\"qmp_capabilities\"", "\"return\"", "\"stop\"", "\"return\"", "\"STOP\""};
        for (int i = 0; i < lines.size(); i++) {
            String[] parts = lines.get(i).split(" ", 3);
            assertEquals(3, parts.length, lines.get(i));
            assertEquals(directions[i], parts[1], lines.get(i));
            assertTrue(parts[2].startsWith("{") && parts[2].endsWith("}"), lines.get(i));
            assertTrue(parts[2].contains(contains[i]), lines.get(i));
        }
        assertTrue(lines.get(5).contains(UNICODE));
    }

    private QmpClient connect(QmpOptions options) {
        QmpClient qmp = QmpClient.connect(server.socket(), options);
        assertEquals(new QemuVersion(7, 2, 0), qmp.greeting().version());
        return qmp;
    }
}
