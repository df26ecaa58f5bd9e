package dev.qvmm.qmp;

import dev.qvmm.qmp.wire.QmpMessage;
import dev.qvmm.qmp.wire.QmpMessageParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Netty inbound handler: {@link ByteBuf}s in, {@link QmpMessage}s out. Each buffer is parsed
 * completely and released at once; nothing is accumulated but the message being built.
 */
final class QmpFrameDecoder extends ChannelInboundHandlerAdapter {

    private final QmpMessageParser parser;
    private final WireLog wireLog;
    private boolean failed;

    QmpFrameDecoder(long maxMessageBytes, WireLog wireLog) {
        this.parser = new QmpMessageParser(maxMessageBytes);
        this.wireLog = wireLog;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            buf.release();
            return;
        }
        try {
            parser.feedJson(buf.nioBuffer(), json -> {
                if (wireLog != null) {
                    wireLog.received(json.toString());
                }
                ctx.fireChannelRead(QmpMessage.of(json));
            });
        } catch (QmpException e) {
            // The stream position is lost: nothing after this can be trusted; the connection closes.
            failed = true;
            throw e;
        } finally {
            buf.release();
        }
    }
}
