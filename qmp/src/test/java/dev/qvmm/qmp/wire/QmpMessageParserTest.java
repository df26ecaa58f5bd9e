package dev.qvmm.qmp.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.qmp.QmpException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.qvmm.qmp.wire.QmpTranscript.BYTES;
import static dev.qvmm.qmp.wire.QmpTranscript.PAST_DOUBLE;
import static dev.qvmm.qmp.wire.QmpTranscript.UINT64_MAX;
import static dev.qvmm.qmp.wire.QmpTranscript.UNICODE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The QMP byte stream to messages, in memory, after netty's {@code JsonObjectDecoderTest}: every
 * way of cutting the same bytes into buffers gives the same messages, and nothing is left over.
 */
class QmpMessageParserTest {

    private static final long LIMIT = 64L << 20;

    @Test
    void transcriptInOneBufferGivesTheExpectedMessages() {
        assertEquals(QmpTranscript.expected(), parse(LIMIT, BYTES));
    }

    @Test
    void nestedReturnKeepsUnicodeAndLargeIntegersExactly() {
        QmpMessage.Return r = (QmpMessage.Return) parse(LIMIT, BYTES).get(4);
        JsonNode inserted = r.value().get(0).get("inserted");

        assertEquals("fmt-" + UNICODE, inserted.get("node-name").asText());
        assertEquals(UINT64_MAX, inserted.at("/image/virtual-size").bigIntegerValue());
        assertTrue(inserted.at("/image/actual-size").isLong());
        assertEquals(PAST_DOUBLE, inserted.at("/image/actual-size").longValue());
        assertEquals("/var/lib/vm/\u00e9t\u00e9 \ud83d\ude00.qcow2", inserted.at("/image/filename").asText());
        assertEquals(65536, inserted.at("/image/format-specific/data/bitmaps/1/0/granularity").intValue());
        assertTrue(inserted.get("iops").isNull());
        assertEquals(0.5, inserted.get("ratio").doubleValue());
        assertEquals("ide1-cd0", r.value().get(1).get("device").asText());
    }

    @Test
    void splitAtEveryByteBoundaryGivesTheSameMessages() {
        List<QmpMessage> whole = parse(LIMIT, BYTES);
        for (int cut = 0; cut <= BYTES.length; cut++) {
            List<QmpMessage> split = parse(LIMIT, Arrays.copyOfRange(BYTES, 0, cut), Arrays.copyOfRange(BYTES, cut, BYTES.length));
            assertEquals(whole, split, "split at byte " + cut);
        }
    }

    @Test
    void everyMessageFedOneByteAtATime() {
        byte[][] single = new byte[BYTES.length][];
        for (int i = 0; i < BYTES.length; i++) {
            single[i] = new byte[] {BYTES[i]};
        }
        assertEquals(QmpTranscript.expected(), parse(LIMIT, single));
    }

    @Test
    void randomlySizedBuffersGiveTheSameMessages() {
        Random random = new Random(20240611L);
        for (int round = 0; round < 200; round++) {
            List<byte[]> chunks = new ArrayList<>();
            for (int at = 0; at < BYTES.length; ) {
                int n = Math.min(BYTES.length - at, 1 + random.nextInt(64));
                chunks.add(Arrays.copyOfRange(BYTES, at, at + n));
                at += n;
            }
            assertEquals(QmpTranscript.expected(), parse(LIMIT, chunks.toArray(byte[][]::new)), "round " + round);
        }
    }

    @Test
    void severalMessagesInOneBufferWithAnySeparatorOrNone() {
        String[] separators = {"\r\n", "\n", "", " ", "\t\r\n  "};
        for (String sep : separators) {
            String text = "{\"return\": {}, \"id\": 1}" + sep + "{\"return\": 2, \"id\": 2}" + sep
                    + "{\"event\": \"RESUME\"}" + sep + "{\"return\": \"x\", \"id\": 3}" + sep;
            List<QmpMessage> messages = parse(LIMIT, utf8(text));
            assertEquals(4, messages.size(), "separator '" + sep.replace("\r", "\\r").replace("\n", "\\n") + "'");
            assertEquals(2, ((QmpMessage.Return) messages.get(1)).value().intValue());
            assertEquals("RESUME", ((QmpMessage.Event) messages.get(2)).name());
            assertEquals(3, ((QmpMessage.Return) messages.get(3)).id().intValue());
        }
    }

    @Test
    void fedBytesAreNotReferencedAfterFeedReturns() {
        // A Netty buffer is released (and reused) as soon as feed returns: scribbling over each
        // chunk after feeding it must not change what comes out.
        QmpMessageParser parser = new QmpMessageParser(LIMIT);
        List<QmpMessage> out = new ArrayList<>();
        byte[] reused = new byte[7];
        for (int at = 0; at < BYTES.length; at += reused.length) {
            int n = Math.min(reused.length, BYTES.length - at);
            System.arraycopy(BYTES, at, reused, 0, n);
            parser.feed(ByteBuffer.wrap(reused, 0, n), out::add);
            Arrays.fill(reused, (byte) '!');
        }
        assertEquals(QmpTranscript.expected(), out);
        assertFalse(parser.inMessage());
    }

    @Test
    void inMessageIsTrueOnlyWhileAMessageIsIncomplete() {
        QmpMessageParser parser = new QmpMessageParser(LIMIT);
        List<QmpMessage> out = new ArrayList<>();
        parser.feed(ByteBuffer.wrap(utf8("{\"return\": {\"a\": [1, ")), out::add);
        assertTrue(parser.inMessage());
        assertTrue(out.isEmpty());
        parser.feed(ByteBuffer.wrap(utf8("2]}, \"id\": 5}\r\n")), out::add);
        assertFalse(parser.inMessage());
        assertEquals(List.of(new QmpMessage.Return(QmpTranscript.json("5"), QmpTranscript.json("{\"a\": [1, 2]}"))), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "hello\r\n",
            "{\"return\": nope}\r\n",
            "{\"return\": {}, \"id\": 1}}\r\n",
            "{\"return\" {}}\r\n",
            "{'return': {}}\r\n",
            "{\"return\": \"unterminated\r\n\"}\r\n",
            "\u0000\u0001\u0002",
    })
    void garbageIsAProtocolError(String garbage) {
        QmpException e = assertThrows(QmpException.class, () -> parse(LIMIT, utf8(garbage)));
        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
    }

    @Test
    void messagesBeforeGarbageAreDeliveredThenTheErrorIsRaised() {
        QmpMessageParser parser = new QmpMessageParser(LIMIT);
        List<QmpMessage> out = new ArrayList<>();
        QmpException e = assertThrows(QmpException.class,
                () -> parser.feed(ByteBuffer.wrap(utf8("{\"return\": {}, \"id\": 1}\r\n#!garbage")), out::add));
        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
        assertEquals(1, out.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[{\"return\": {}}]\r\n", "[]\r\n", "42\r\n", "-1.5\r\n", "\"text\"\r\n", "true\r\n", "null\r\n"})
    void topLevelArrayOrBareValueIsAProtocolError(String json) {
        QmpException e = assertThrows(QmpException.class, () -> parse(LIMIT, utf8(json)));
        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
    }

    @Test
    void anObjectThatIsNoQmpMessageIsAProtocolError() {
        QmpException e = assertThrows(QmpException.class, () -> parse(LIMIT, utf8("{\"hello\": \"world\"}\r\n")));
        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
    }

    @Test
    void messageOfExactlyMaxMessageBytesIsAccepted() {
        byte[] message = messageOfLength(4096);
        assertEquals(1, parse(4096, message).size());
        assertEquals(1, parse(4096, Arrays.copyOfRange(message, 0, 2000), Arrays.copyOfRange(message, 2000, message.length)).size());
    }

    @Test
    void messageOverMaxMessageBytesInOneBufferIsAProtocolError() {
        byte[] message = messageOfLength(4097);
        QmpException e = assertThrows(QmpException.class, () -> parse(4096, message));
        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
    }

    @Test
    void messageOverMaxMessageBytesSplitIntoBuffersIsAProtocolError() {
        byte[] message = messageOfLength(4097);
        for (int cut : new int[] {1, 2000, 4095, 4096}) {
            QmpException e = assertThrows(QmpException.class,
                    () -> parse(4096, Arrays.copyOfRange(message, 0, cut), Arrays.copyOfRange(message, cut, message.length)),
                    "split at " + cut);
            assertEquals(QmpException.Kind.PROTOCOL, e.kind());
        }
    }

    @Test
    void endlessMessageFailsAsSoonAsItPassesTheLimitNotAtItsEnd() {
        QmpMessageParser parser = new QmpMessageParser(4096);
        byte[] chunk = new byte[1000];
        Arrays.fill(chunk, (byte) 'a');
        parser.feed(ByteBuffer.wrap(utf8("{\"return\": \"")), m -> { });
        long fed = 0;
        QmpException failure = null;
        while (failure == null && fed < 1_000_000) {
            try {
                parser.feed(ByteBuffer.wrap(chunk), m -> { });
                fed += chunk.length;
            } catch (QmpException e) {
                failure = e;
            }
        }
        assertEquals(QmpException.Kind.PROTOCOL, failure == null ? null : failure.kind());
        assertTrue(fed <= 4096, "the parser buffered " + fed + " bytes of one message past its 4096-byte limit");
    }

    @Test
    void nestingDeeperThanTheLimitIsAProtocolError() {
        int limit = QmpMessageParser.MAX_DEPTH;
        assertEquals(1, parse(LIMIT, nested(limit - 1)).size());
        QmpException e = assertThrows(QmpException.class, () -> parse(LIMIT, nested(limit)));
        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
    }

    @Test
    void largeMessageAmongSmallOnesLeavesNothingOver() {
        String big = "x".repeat(1 << 20);
        byte[] bytes = utf8("{\"event\": \"A\"}{\"return\": \"" + big + "\", \"id\": 9}\r\n{\"event\": \"B\"}\r\n");
        List<QmpMessage> messages = parse(LIMIT, Arrays.copyOfRange(bytes, 0, 500_000), Arrays.copyOfRange(bytes, 500_000, bytes.length));
        assertEquals(3, messages.size());
        assertEquals(big, ((QmpMessage.Return) messages.get(1)).value().asText());
        assertEquals("B", ((QmpMessage.Event) messages.get(2)).name());
    }

    @Test
    void utf8IsDecodedExactlyAcrossEverySplit() {
        byte[] bytes = utf8("{\"return\": \"" + UNICODE + UNICODE + "\", \"id\": 1}");
        for (int cut = 0; cut <= bytes.length; cut++) {
            QmpMessage.Return r = (QmpMessage.Return) parse(LIMIT, Arrays.copyOfRange(bytes, 0, cut),
                    Arrays.copyOfRange(bytes, cut, bytes.length)).getFirst();
            assertArrayEquals(utf8(UNICODE + UNICODE), utf8(r.value().asText()), "split at byte " + cut);
        }
    }

    /** Feeds the chunks in order to one fresh parser; asserts nothing is left over at the end. */
    private static List<QmpMessage> parse(long maxMessageBytes, byte[]... chunks) {
        QmpMessageParser parser = new QmpMessageParser(maxMessageBytes);
        List<QmpMessage> out = new ArrayList<>();
        for (byte[] chunk : chunks) {
            parser.feed(ByteBuffer.wrap(chunk), out::add);
        }
        assertFalse(parser.inMessage(), "bytes of an unfinished message are left over");
        return out;
    }

    /** {"return": "aaa...", "id": 1} of exactly {@code length} bytes, without a line end. */
    private static byte[] messageOfLength(int length) {
        String head = "{\"return\": \"";
        String tail = "\", \"id\": 1}";
        byte[] bytes = utf8(head + "a".repeat(length - head.length() - tail.length()) + tail);
        assertEquals(length, bytes.length);
        return bytes;
    }

    /** A return whose value nests {@code depth} arrays, inside the message's own object. */
    private static byte[] nested(int depth) {
        return utf8("{\"return\": " + "[".repeat(depth) + "]".repeat(depth) + ", \"id\": 1}");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
