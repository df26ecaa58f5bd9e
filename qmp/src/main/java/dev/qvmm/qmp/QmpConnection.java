package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.qmp.wire.QmpMessage;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.util.collection.LongObjectHashMap;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The protocol state of one QMP connection. Everything here runs on the channel's event loop,
 * so the maps and counters need no locks; {@link QmpClient} hands work over with
 * {@code eventLoop.execute}.
 *
 * <p>Flow control: QEMU executes in-band commands one at a time and stops reading the monitor
 * once 8 are queued, after which not even {@code exec-oob} gets through. So at most
 * {@code maxInFlight} in-band commands are written; the rest wait here, and out-of-band commands
 * are written at once. A command that timed out keeps its slot until its late reply arrives, because
 * QEMU is still working on it.
 */
final class QmpConnection extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(QmpConnection.class.getName());

    private final Path socket;
    private final EventHub events;
    private final WireLog wireLog;
    private final Semaphore queueSlots;
    private final int maxInFlight;

    final CompletableFuture<QmpGreeting> greeting = new CompletableFuture<>();
    /** Completes, with the reason, when the connection is gone. */
    final CompletableFuture<QmpException> closed = new CompletableFuture<>();

    private final LongObjectHashMap<PendingCommand> sent = new LongObjectHashMap<>();
    private final ArrayDeque<PendingCommand> waiting = new ArrayDeque<>();
    private int inBandSent;
    private Channel channel;
    private volatile QmpException closeCause;

    QmpConnection(Path socket, EventHub events, WireLog wireLog, Semaphore queueSlots, int maxInFlight) {
        this.socket = socket;
        this.events = events;
        this.wireLog = wireLog;
        this.queueSlots = queueSlots;
        this.maxInFlight = maxInFlight;
    }

    QmpException closeCause() {
        return closeCause;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.fireChannelActive();
    }

    /** Event loop only. */
    void submit(PendingCommand p) {
        QmpException cause = closeCause;
        if (cause != null) {
            fail(p, QmpException.connectionEnded(p.command, cause));
            return;
        }
        if (!p.timeout.isZero()) {
            long remaining = p.timeout.toNanos() - (System.nanoTime() - p.startNanos);
            p.timer = channel.eventLoop().schedule(() -> onTimeout(p), Math.max(0, remaining), TimeUnit.NANOSECONDS);
        }
        if (p.oob || inBandSent < maxInFlight) {
            write(p);
        } else {
            waiting.addLast(p);
        }
    }

    private void write(PendingCommand p) {
        p.sent = true;
        sent.put(p.id, p);
        if (!p.oob) {
            inBandSent++;
        }
        if (wireLog != null) {
            wireLog.sent(p.bytes);
        }
        if (p.fd < 0) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(p.bytes), channel.voidPromise());
        } else {
            // Bytes Netty still holds must reach the socket before the fd's carrier bytes; the
            // promise of an empty write completes exactly when everything before it was written.
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> sendWithFd(p));
        }
    }

    private void sendWithFd(PendingCommand p) {
        if (!channel.isActive() || p.future.isDone()) {
            return;
        }
        int socketFd = ((EpollDomainSocketChannel) channel).fd().intValue();
        int n;
        try {
            n = FdPassing.send(socketFd, p.bytes, p.fd);
        } catch (RuntimeException e) {
            complete(p, null, QmpException.io(p.command, "cannot pass file descriptor " + p.fd + ": " + e.getMessage()));
            channel.close(); // the stream may hold half a command now
            return;
        }
        if (n == -FdPassing.EAGAIN) {
            // The socket buffer is full: QEMU is not reading. Try again shortly; the command's own
            // deadline bounds this.
            channel.eventLoop().schedule(() -> sendWithFd(p), 1, TimeUnit.MILLISECONDS);
        } else if (n < p.bytes.length) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(p.bytes, n, p.bytes.length - n), channel.voidPromise());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch ((QmpMessage) msg) {
            case QmpMessage.Return r -> onReply(r.id(), r.value(), null);
            case QmpMessage.ErrorReply e -> onReply(e.id(), null, e);
            case QmpMessage.Event e -> events.publish(new QmpEvent(e.name(), e.data(), e.timestamp()));
            case QmpMessage.Greeting g -> {
                if (!greeting.complete(new QmpGreeting(g.version(), g.packageName(), g.capabilities()))) {
                    throw QmpException.protocol("a second greeting on " + socket, null);
                }
            }
        }
    }

    private void onReply(JsonNode id, JsonNode value, QmpMessage.ErrorReply error) {
        if (id == null || !id.canConvertToLong()) {
            // QEMU answers without our id only when it could not read a command at all; after
            // that the position in the stream cannot be trusted.
            String what = error != null ? error.errorClass() + ": " + error.desc() : "a return value";
            throw QmpException.protocol("a reply without a command id (" + what + ")", null);
        }
        PendingCommand p = sent.remove(id.asLong());
        if (p == null) {
            LOG.log(System.Logger.Level.WARNING, "QMP reply for unknown command id " + id + " on " + socket + " ignored");
            return;
        }
        if (!p.oob) {
            inBandSent--;
        }
        complete(p, value, error == null ? null : QmpException.commandError(p.command, error.errorClass(), error.desc()));
        while (inBandSent < maxInFlight && !waiting.isEmpty()) {
            write(waiting.pollFirst());
        }
    }

    private void onTimeout(PendingCommand p) {
        if (p.future.isDone()) {
            return;
        }
        QmpException timeout = QmpException.timeout(p.command, p.timeout, p.elapsed());
        if (!p.sent) {
            waiting.remove(p);
            complete(p, null, timeout);
        } else {
            // Stays in 'sent' until QEMU answers: the late reply frees the slot and the queue slot.
            p.future.completeExceptionally(timeout);
        }
    }

    /** Settles a command that will get no (further) reply and frees its queue slot. */
    private void complete(PendingCommand p, JsonNode value, QmpException error) {
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        queueSlots.release();
        if (error != null) {
            p.future.completeExceptionally(error);
        } else {
            p.future.complete(value);
        }
    }

    private void fail(PendingCommand p, QmpException error) {
        complete(p, null, error);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closeCause == null) {
            closeCause = switch (cause) {
                case QmpException q -> q;
                // ECONNRESET and friends: QEMU went away with our bytes unread (killed mid-command).
                case java.io.IOException io -> QmpException.disconnected("QMP connection to " + socket + " lost: "
                        + io.getMessage() + " (did QEMU exit?)", io);
                default -> QmpException.protocol("unexpected failure handling input from " + socket + ": " + cause, cause);
            };
        }
        ctx.close();
    }

    /** Event loop only: the reason the client closes the connection itself. */
    void closing(QmpException reason) {
        if (closeCause == null) {
            closeCause = reason;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closeCause == null) {
            closeCause = QmpException.disconnected("QMP connection to " + socket + " closed by QEMU (did it exit?)", null);
        }
        QmpException cause = closeCause;
        List<PendingCommand> all = new ArrayList<>(sent.values());
        all.addAll(waiting);
        sent.clear();
        waiting.clear();
        inBandSent = 0;
        for (PendingCommand p : all) {
            if (p.future.isDone()) {
                queueSlots.release(); // timed out earlier, was holding its slot for the late reply
            } else {
                fail(p, QmpException.connectionEnded(p.command, cause));
            }
        }
        greeting.completeExceptionally(cause);
        events.close(cause);
        if (wireLog != null) {
            wireLog.close();
        }
        closed.complete(cause);
        ctx.fireChannelInactive();
    }
}
