package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecProblem;
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

    /**
     * Every kind has its status, and a new kind breaks the compile here: what the request asks
     * that cannot be is 4xx, what went wrong on the host or beyond it is 5xx.
     */
    static HttpResponseStatus status(VmmException.Kind kind) {
        return switch (kind) {
            case VM_NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case VM_EXISTS, VM_STATE_CONFLICT, LAYOUT_EXHAUSTED -> HttpResponseStatus.CONFLICT;
            case SPEC_INVALID, SPEC_UNREADABLE, PATH_NOT_ALLOWED, PATH_ESCAPES_ROOT, DIRECT_IO_UNSUPPORTED, HOST_RESOURCE_UNRESOLVED, VOLUME_UNAVAILABLE, VOLUME_INVALID,
                 SOURCE_UNSUPPORTED, IMAGE_NOT_FOUND, IMAGE_DIGEST_MISMATCH, IMPORT_SOURCE_NOT_FOUND, IMPORT_CHECKSUM_MISMATCH ->
                    HttpResponseStatus.UNPROCESSABLE_ENTITY;
            case INSUFFICIENT_SPACE -> HttpResponseStatus.INSUFFICIENT_STORAGE;
            case REGISTRY_UNREACHABLE, IMPORT_UNREACHABLE -> HttpResponseStatus.BAD_GATEWAY;
            case RUN_DIRECTORY, QEMU_START_FAILED, QEMU_COMMAND_FAILED, ISO_BUILD_FAILED, HOST_CONFIG_INVALID, DAEMON_UNREACHABLE ->
                    HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /** The answer to an operation that failed: a status by the error's kind, internal text never shown. */
    static void fail(ChannelHandlerContext ctx, Throwable t) {
        if (t instanceof VmmException v) {
            HttpResponseStatus status = status(v.kind());
            ObjectNode err = error(v.getMessage(), v.kind().name());
            ArrayNode problems = err.putArray("problems");
            for (SpecProblem p : v.problems()) {
                problems.add(p.toString());
            }
            reply(ctx, status, err);
        } else if (t instanceof java.io.UncheckedIOException) {
            // the daemon's own words about its files: for the operator, not about the request
            reply(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, error(String.valueOf(t.getMessage()), "INTERNAL"));
        } else if (t instanceof java.util.concurrent.RejectedExecutionException) {
            reply(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, error("the daemon is shutting down or busy; retry in a moment", "BUSY"));
        } else {
            // a bug, not the client's fault: the trace goes to the daemon's log, not to the client
            System.err.println("qvmm daemon: internal error answering a request:");
            t.printStackTrace();
            reply(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, error("internal error (" + t.getClass().getSimpleName()
                    + "); the daemon's log has the details", "INTERNAL"));
        }
    }
}
