package dev.qvmm.vmm.daemon;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection's guard, between the HTTP decoder and the body aggregator: refuses what the
 * {@link ApiLimits} do not allow before it is buffered, and closes a connection that is too slow
 * to send its request. Each refusal is answered with its status and the connection closed:
 * <ul>
 * <li>503 for a connection over the cap, or a body that does not fit the shared budget;</li>
 * <li>400 for a request the decoder could not read, 414 for a too long request line, 431 for too
 * large headers, 505 for an HTTP version other than 1.0 and 1.1;</li>
 * <li>413 for a body over the limit: from Content-Length before a byte of it is read, or while a
 * chunked body streams in;</li>
 * <li>408 for a head not complete {@link ApiLimits#HEADER_TIMEOUT} after connect, a body silent for
 * {@link ApiLimits#IDLE_TIMEOUT}, or a request not complete {@link ApiLimits#REQUEST_TIMEOUT} after connect.</li>
 * </ul>
 * Once the request is complete the guard lets everything through: what follows (an event stream,
 * an attached console) may last as long as the client wants. Runs on the connection's event loop only.
 */
final class RequestGuard extends ChannelInboundHandlerAdapter {

    private final ApiLimits limits;
    private ScheduledFuture<?> idle;
    private ScheduledFuture<?> whole;
    private boolean refused;
    private boolean complete;
    private long received;
    private long reserved;

    RequestGuard(ApiLimits limits) {
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        boolean admitted = limits.connect();
        ctx.channel().closeFuture().addListener(f -> {
            limits.disconnect();
            limits.release(reserved);
        });
        if (!admitted) {
            refuse(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the daemon has " + ApiLimits.MAX_CONNECTIONS
                    + " connections open, its limit; retry in a moment", "BUSY");
            return;
        }
        idle = timeout(ctx, ApiLimits.HEADER_TIMEOUT, "the request head did not arrive within ");
        whole = timeout(ctx, ApiLimits.REQUEST_TIMEOUT, "the request did not arrive within ");
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (complete) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req && !admit(ctx, req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent c && !admit(ctx, c)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof LastHttpContent) {
            complete = true;
            cancelTimers();
        }
        ctx.fireChannelRead(msg);
    }

    private boolean admit(ChannelHandlerContext ctx, HttpRequest req) {
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            if (cause instanceof TooLongHttpLineException) {
                return refuse(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG, "the request line is longer than "
                        + ApiLimits.MAX_REQUEST_LINE_BYTES + " bytes", "URI_TOO_LONG");
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return refuse(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "the request headers are larger than "
                        + ApiLimits.MAX_HEADER_BYTES + " bytes", "HEADERS_TOO_LARGE");
            }
            return refuse(ctx, HttpResponseStatus.BAD_REQUEST, "not an HTTP/1.1 request: " + printable(cause.getMessage()), "BAD_REQUEST");
        }
        if (req.protocolVersion().majorVersion() != 1 || req.protocolVersion().minorVersion() > 1) {
            return refuse(ctx, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version " + printable(req.protocolVersion().text())
                    + " is not served; use HTTP/1.1", "HTTP_VERSION_NOT_SUPPORTED");
        }
        long length;
        try {
            length = HttpUtil.getContentLength(req, 0L);
        } catch (NumberFormatException e) {
            return refuse(ctx, HttpResponseStatus.BAD_REQUEST, "Content-Length is not a number of bytes", "BAD_REQUEST");
        }
        if (length > ApiLimits.MAX_BODY_BYTES) {
            return tooLarge(ctx, length);
        }
        if (length > 0 && !take(ctx, length)) {
            return false;
        }
        cancel(idle);
        idle = timeout(ctx, ApiLimits.IDLE_TIMEOUT, "the request body stalled for ");
        return true;
    }

    private boolean admit(ChannelHandlerContext ctx, HttpContent c) {
        if (c.decoderResult().isFailure()) {
            return refuse(ctx, HttpResponseStatus.BAD_REQUEST, "the request body is malformed: " + printable(c.decoderResult().cause().getMessage()),
                    "BAD_REQUEST");
        }
        received += c.content().readableBytes();
        if (received > ApiLimits.MAX_BODY_BYTES) {
            return tooLarge(ctx, received);
        }
        if (received > reserved && !take(ctx, received - reserved)) {
            return false;
        }
        cancel(idle);
        idle = timeout(ctx, ApiLimits.IDLE_TIMEOUT, "the request body stalled for ");
        return true;
    }

    private boolean take(ChannelHandlerContext ctx, long bytes) {
        if (!limits.reserve(bytes)) {
            return refuse(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the daemon is reading " + (ApiLimits.BODY_BUDGET_BYTES >> 20)
                    + " MiB of request bodies already, its limit; retry in a moment", "BUSY");
        }
        reserved += bytes;
        return true;
    }

    private boolean tooLarge(ChannelHandlerContext ctx, long bytes) {
        return refuse(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the request body" + (bytes > 0 ? " (" + bytes + " bytes so far or announced)" : "")
                + " is larger than " + ApiLimits.MAX_BODY_BYTES + " bytes; a VM spec is a few KiB", "BODY_TOO_LARGE");
    }

    /** Answers {@code status}, stops reading and closes; always false, for the caller's {@code return}. */
    private boolean refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String message, String kind) {
        refused = true;
        cancelTimers();
        ctx.channel().config().setAutoRead(false);
        ApiReplies.reply(ctx, status, ApiReplies.error(message, kind));
        return false;
    }

    private ScheduledFuture<?> timeout(ChannelHandlerContext ctx, Duration after, String what) {
        return ctx.executor().schedule(() -> {
            if (!complete && !refused && ctx.channel().isActive()) {
                refuse(ctx, HttpResponseStatus.REQUEST_TIMEOUT, what + after.toSeconds() + " s", "REQUEST_TIMEOUT");
            }
        }, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimers();
    }

    private void cancelTimers() {
        cancel(idle);
        cancel(whole);
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    /** A decoder's text about hostile input, shortened and without control characters. */
    private static String printable(String s) {
        String t = String.valueOf(s).replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 120 ? t.substring(0, 120) + "..." : t;
    }
}
