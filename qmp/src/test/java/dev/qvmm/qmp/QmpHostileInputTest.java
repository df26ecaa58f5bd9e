package dev.qvmm.qmp;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes no QEMU would send: the decoder refuses each with a {@link QmpException.Kind#PROTOCOL} that
 * says what was wrong with the bytes (over the size limit, not JSON at byte K, too deep), never an
 * internal exception's text, and refuses a never-ending message when the limit is reached, not later.
 */
class QmpHostileInputTest {

    private static final String GREETING_START = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
            + "\"package\": \"";
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    /** Feeds 1 MiB buffers after {@code start} until the decoder throws; fails if it has not after {@code maxBytes}. */
    private static QmpException feedUntilRefused(long limit, String start, long maxBytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new QmpFrameDecoder(limit, null));
        byte[] chunk = new byte[1 << 20];
        Arrays.fill(chunk, (byte) 'a');
        QmpException e = assertThrows(QmpException.class, () -> {
            ch.writeInbound(Unpooled.copiedBuffer(start, StandardCharsets.UTF_8));
            for (long fed = 0; fed <= maxBytes; fed += chunk.length) {
                ch.writeInbound(Unpooled.wrappedBuffer(chunk));
            }
        });
        ch.finishAndReleaseAll();
        return e;
    }

    private static void assertPlain(QmpException e) {
        assertPlain(e, QmpException.Kind.PROTOCOL);
    }

    private static void assertPlain(QmpException e, QmpException.Kind kind) {
        assertEquals(kind, e.kind());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(t instanceof NullPointerException, "an NPE in the chain: " + t);
        }
    }

    @Test
    void neverEndingStringInTheGreetingIsRefusedAtTheDefaultLimit() {
        // Was: NullPointerException ... JsonLocation.getByteOffset(), from Jackson's 20 M string bound.
        long limit = QmpOptions.defaults().maxMessageBytes();
        QmpException e = assertTimeoutPreemptively(DEADLINE, () -> feedUntilRefused(limit, GREETING_START, limit + (2 << 20)));
        assertPlain(e);
        assertTrue(e.getMessage().contains("exceeds " + limit + " bytes"), e.getMessage());
    }

    @Test
    void neverEndingStringIsRefusedAtASmallLimit() {
        QmpException e = assertTimeoutPreemptively(DEADLINE, () -> feedUntilRefused(4 << 20, GREETING_START, 8 << 20));
        assertPlain(e);
        assertTrue(e.getMessage().contains("starting at byte 0, exceeds 4194304 bytes"), e.getMessage());
    }

    @Test
    void neverEndingTopLevelStringIsRefusedToo() {
        QmpException e = assertTimeoutPreemptively(DEADLINE, () -> feedUntilRefused(4 << 20, "\"", 8 << 20));
        assertPlain(e);
        assertTrue(e.getMessage().contains("exceeds 4194304 bytes"), e.getMessage());
    }

    @Test
    void neverEndingFieldNameIsRefused() {
        QmpException e = assertTimeoutPreemptively(DEADLINE, () -> feedUntilRefused(4 << 20, "{\"", 8 << 20));
        assertPlain(e);
        assertTrue(e.getMessage().contains("exceeds 4194304 bytes"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"this is not JSON\r\n", "{\"return\": nope}\r\n", "{\"a\" 1}\r\n", "{\"a\": \"\u0001\"}\r\n"})
    void notJsonSaysAtWhichByte(String garbage) {
        EmbeddedChannel ch = new EmbeddedChannel(new QmpFrameDecoder(1 << 20, null));
        QmpException e = assertThrows(QmpException.class, () -> ch.writeInbound(Unpooled.copiedBuffer(garbage, StandardCharsets.UTF_8)));
        assertPlain(e);
        assertTrue(java.util.regex.Pattern.compile("not JSON from QEMU at byte [0-9]+: ").matcher(e.getMessage()).find(), e.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void deepNestingIsRefusedWithTheDepth() {
        EmbeddedChannel ch = new EmbeddedChannel(new QmpFrameDecoder(1 << 20, null));
        String deep = "{\"a\":" + "[".repeat(10_000);
        QmpException e = assertThrows(QmpException.class, () -> ch.writeInbound(Unpooled.copiedBuffer(deep, StandardCharsets.UTF_8)));
        assertPlain(e);
        assertTrue(e.getMessage().contains("nests deeper than 256"), e.getMessage());
        ch.finishAndReleaseAll();
    }

    /** Writes 256 KiB chunks of 'a' until {@code done} completes; the client closing mid-write ends it too. */
    private static void flood(FakeQmpServer server, CompletableFuture<?> done) {
        byte[] chunk = new byte[256 << 10];
        Arrays.fill(chunk, (byte) 'a');
        for (int i = 0; i < 64 && !done.isDone(); i++) {
            try {
                server.write(chunk);
            } catch (AssertionError closed) {
                return; // broken pipe: the client has refused the message and closed
            }
        }
    }

    @Test
    void fakeServerWithANeverEndingGreetingFailsTheConnectCleanly() throws Exception {
        // The greeting goes through write(), so that it is ordered before the flood on the server's one writer.
        try (FakeQmpServer server = FakeQmpServer.start("")) {
            QmpOptions options = QmpOptions.builder().maxMessageBytes(1 << 20).build();
            CompletableFuture<QmpClient> connect = CompletableFuture.supplyAsync(() -> QmpClient.connect(server.socket(), options));
            server.write(GREETING_START);
            flood(server, connect);
            QmpException e = assertTimeoutPreemptively(DEADLINE, () -> Await.failure(connect));
            // connect reports the greeting's fault as its own kind, with the decoder's words in the message.
            assertPlain(e, QmpException.Kind.CONNECT_FAILED);
            assertTrue(e.getMessage().contains("exceeds 1048576 bytes"), e.getMessage());
        }
    }

    @Test
    void fakeServerWithANeverEndingReplyFailsTheCallCleanly() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start();
             QmpClient qmp = QmpClient.connect(server.socket(), QmpOptions.builder().maxMessageBytes(1 << 20).build())) {
            CompletableFuture<JsonNode> pending = qmp.execute("query-status", null);
            JsonNode command = server.nextCommand();
            server.write("{\"id\": " + command.get("id") + ", \"return\": \"");
            flood(server, pending);
            QmpException e = Await.failure(pending);
            assertPlain(e);
            assertTrue(e.getMessage().contains("exceeds 1048576 bytes"), e.getMessage());
            assertEquals(QmpException.Kind.PROTOCOL, Await.value(qmp.closeFuture()).kind());
        }
    }
}
