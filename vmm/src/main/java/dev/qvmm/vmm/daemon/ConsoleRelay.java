package dev.qvmm.vmm.daemon;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /v1/vms/NAME/console} with {@code Upgrade: qvmm-console}: the daemon connects to the
 * VM's serial console socket, answers 101, and from then on the API connection carries the raw
 * console both ways until either side closes. QEMU serves one console client at a time, so a
 * second attach is refused (409) rather than left hanging.
 */
final class ConsoleRelay {

    private static final Set<String> ATTACHED = ConcurrentHashMap.newKeySet();

    private ConsoleRelay() {
    }

    /** Connects and switches {@code client} to the raw console; {@code refuse} gets the HTTP status and message when it cannot. */
    static void attach(ChannelHandlerContext client, String vm, Path consoleSocket, RefuseWith refuse) {
        if (!ATTACHED.add(vm)) {
            refuse.accept(HttpResponseStatus.CONFLICT, "the console of VM \"" + vm + "\" is attached elsewhere; QEMU serves one at a time");
            return;
        }
        Channel front = client.channel();
        front.config().setAutoRead(false);
        new Bootstrap().group(front.eventLoop()).channel(EpollDomainSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new Pipe(front));
                    }
                })
                .connect(new DomainSocketAddress(consoleSocket.toFile())).addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        ATTACHED.remove(vm);
                        front.config().setAutoRead(true);
                        refuse.accept(HttpResponseStatus.CONFLICT, "cannot reach the console of VM \"" + vm + "\": " + f.cause().getMessage());
                        return;
                    }
                    Channel back = f.channel();
                    back.closeFuture().addListener(x -> {
                        ATTACHED.remove(vm);
                        front.close();
                    });
                    front.closeFuture().addListener(x -> back.close());
                    DefaultFullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS,
                            Unpooled.EMPTY_BUFFER);
                    switching.headers().set(HttpHeaderNames.UPGRADE, "qvmm-console").set(HttpHeaderNames.CONNECTION, "Upgrade");
                    front.writeAndFlush(switching).addListener((ChannelFutureListener) w -> {
                        // From here on the API connection is the console: no more HTTP on it.
                        ApiServer.dropHttp(front.pipeline());
                        front.pipeline().addLast(new Pipe(back));
                        front.config().setAutoRead(true);
                    });
                });
    }

    /** Where a refused attach goes: the HTTP status and the message. */
    interface RefuseWith {
        void accept(HttpResponseStatus status, String message);
    }

    /** Bytes in on one channel go out on the other. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel to;

        Pipe(Channel to) {
            this.to = to;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                to.writeAndFlush(b);
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            to.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
