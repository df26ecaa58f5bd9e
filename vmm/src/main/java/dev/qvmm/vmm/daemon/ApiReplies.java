package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.wire.QmpJson;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/** The API's answers: one JSON document, then the connection closes (one request per connection). */
final class ApiReplies {

    private ApiReplies() {
    }

    /** {@code {"error": message, "kind": kind}}: the kind is stable, the message is for people. */
    static ObjectNode error(String message, String kind) {
        return QmpJson.mapper().createObjectNode().put("error", message).put("kind", kind);
    }

    /** Writes the answer from any thread and closes the connection once it is out. */
    static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, JsonNode json) {
        byte[] bytes = (json.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)) {
            r.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
        }
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
}
