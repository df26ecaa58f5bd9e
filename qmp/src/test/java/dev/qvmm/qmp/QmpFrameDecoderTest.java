package dev.qvmm.qmp;

import dev.qvmm.qmp.wire.QmpMessage;
import dev.qvmm.qmp.wire.QmpTranscript;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.qvmm.qmp.wire.QmpTranscript.BYTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link QmpFrameDecoder} in an {@link EmbeddedChannel}: however the bytes are cut into buffers,
 * the same {@link QmpMessage}s come out in order, every buffer is released, and nothing is left
 * over when the channel finishes.
 */
class QmpFrameDecoderTest {

    private static final long LIMIT = 64L << 20;
    private static final ByteBufAllocator POOLED = PooledByteBufAllocator.DEFAULT;

    @Test
    void transcriptInOneBuffer() {
        assertEquals(QmpTranscript.expected(), decode(List.of(direct(BYTES, 0, BYTES.length))));
    }

    @Test
    void transcriptSplitIntoTwoBuffersAtEveryByte() {
        for (int cut = 0; cut <= BYTES.length; cut++) {
            List<ByteBuf> buffers = List.of(direct(BYTES, 0, cut), direct(BYTES, cut, BYTES.length - cut));
            assertEquals(QmpTranscript.expected(), decode(buffers), "split at byte " + cut);
        }
    }

    @Test
    void transcriptOneBytePerBuffer() {
        List<ByteBuf> buffers = new ArrayList<>();
        for (int i = 0; i < BYTES.length; i++) {
            buffers.add(direct(BYTES, i, 1));
        }
        assertEquals(QmpTranscript.expected(), decode(buffers));
    }

    @Test
    void transcriptInRandomlySizedPooledAndHeapBuffers() {
        Random random = new Random(42);
        for (int round = 0; round < 100; round++) {
            List<ByteBuf> buffers = new ArrayList<>();
            for (int at = 0; at < BYTES.length; ) {
                int n = Math.min(BYTES.length - at, 1 + random.nextInt(100));
                buffers.add(random.nextBoolean() ? direct(BYTES, at, n) : Unpooled.copiedBuffer(BYTES, at, n));
                at += n;
            }
            assertEquals(QmpTranscript.expected(), decode(buffers), "round " + round);
        }
    }

    @Test
    void mergedTranscriptsInOneBufferComeOutInOrder() {
        ByteBuf three = POOLED.directBuffer();
        for (int i = 0; i < 3; i++) {
            three.writeBytes(BYTES);
        }
        List<QmpMessage> expected = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            expected.addAll(QmpTranscript.expected());
        }
        assertEquals(expected, decode(List.of(three)));
    }

    @Test
    void compositeBufferAndBufferWithConsumedPrefixAreReadFromTheirReaderIndex() {
        CompositeByteBuf composite = POOLED.compositeDirectBuffer();
        composite.addComponent(true, direct(BYTES, 0, 100));
        composite.addComponent(true, Unpooled.copiedBuffer(BYTES, 100, 200));
        composite.addComponent(true, direct(BYTES, 300, BYTES.length - 300));

        ByteBuf prefixed = POOLED.directBuffer();
        prefixed.writeBytes("#junk#".getBytes(StandardCharsets.US_ASCII)).writeBytes(BYTES);
        prefixed.skipBytes(6);

        assertEquals(QmpTranscript.expected(), decode(List.of(composite)));
        assertEquals(QmpTranscript.expected(), decode(List.of(prefixed)));
    }

    @Test
    void garbageFailsThroughThePipelineAfterTheMessagesBeforeIt() {
        Catcher catcher = new Catcher();
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(LIMIT, null), catcher);
        ByteBuf good = bytes("{\"return\": {}, \"id\": 1}\r\n{\"event\": \"STOP\"}\r\n");
        ByteBuf bad = bytes("{\"return\": {}, \"id\": 2}\r\nnot json at all\r\n{\"return\": {}, \"id\": 3}\r\n");

        channel.writeInbound(good, bad);

        assertEquals(0, good.refCnt());
        assertEquals(0, bad.refCnt());
        assertEquals(List.of(1L, 2L), catcher.returnIds);
        QmpException e = assertInstanceOf(QmpException.class, catcher.caught);
        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
        assertFalse(channel.finish());
    }

    @Test
    void garbageWithNoHandlerAfterItSurfacesFromTheChannel() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(LIMIT, null));
        ByteBuf bad = bytes("[\"a top-level array\"]\r\n");

        QmpException e = assertThrows(QmpException.class, () -> channel.writeInbound(bad));

        assertEquals(QmpException.Kind.PROTOCOL, e.kind());
        assertEquals(0, bad.refCnt());
        assertFalse(channel.finish());
    }

    @Test
    void afterGarbageFurtherBuffersAreReleasedAndIgnored() {
        Catcher catcher = new Catcher();
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(LIMIT, null), catcher);
        channel.writeInbound(bytes("}{"));
        assertInstanceOf(QmpException.class, catcher.caught);

        ByteBuf later = bytes("{\"return\": {}, \"id\": 7}\r\n");
        channel.writeInbound(later);

        assertEquals(0, later.refCnt());
        assertTrue(catcher.returnIds.isEmpty());
        assertFalse(channel.finish());
    }

    @Test
    void oversizedMessageFailsAndIsReleased() {
        Catcher catcher = new Catcher();
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(1024, null), catcher);
        ByteBuf big = bytes("{\"return\": \"" + "z".repeat(2000) + "\", \"id\": 1}\r\n");

        channel.writeInbound(big);

        assertEquals(0, big.refCnt());
        assertEquals(QmpException.Kind.PROTOCOL, assertInstanceOf(QmpException.class, catcher.caught).kind());
        assertTrue(catcher.returnIds.isEmpty());
        assertFalse(channel.finish());
    }

    @Test
    void nonBufferMessagesPassThroughUntouched() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(LIMIT, null));
        Object other = new Object();
        channel.writeInbound(other);
        assertSame(other, channel.readInbound());
        assertFalse(channel.finish());
    }

    /**
     * Writes the buffers one by one (as separate reads), checks each was released, and returns
     * every message that came out; fails if anything is left over in the channel.
     */
    private static List<QmpMessage> decode(List<ByteBuf> buffers) {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(LIMIT, null));
        List<QmpMessage> out = new ArrayList<>();
        for (ByteBuf buf : buffers) {
            channel.writeInbound(buf);
            assertEquals(0, buf.refCnt(), "the decoder kept a reference to an inbound buffer");
            Object m;
            while ((m = channel.readInbound()) != null) {
                out.add(assertInstanceOf(QmpMessage.class, m));
            }
        }
        assertFalse(channel.finish(), "the channel holds unread messages after finishing");
        assertNull(channel.readInbound());
        return out;
    }

    private static ByteBuf direct(byte[] bytes, int offset, int length) {
        return POOLED.directBuffer(Math.max(1, length)).writeBytes(bytes, offset, length);
    }

    private static ByteBuf bytes(String s) {
        return direct(s.getBytes(StandardCharsets.UTF_8), 0, s.getBytes(StandardCharsets.UTF_8).length);
    }

    /** The next handler in the pipeline: records the ids of returns and the exception that reaches it. */
    private static final class Catcher extends ChannelInboundHandlerAdapter {
        final List<Long> returnIds = new ArrayList<>();
        Throwable caught;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof QmpMessage.Return r) {
                returnIds.add(r.id().asLong());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            caught = cause;
        }
    }
}
