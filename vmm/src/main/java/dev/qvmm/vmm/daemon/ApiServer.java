package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.session.VmEvent;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static dev.qvmm.vmm.daemon.ApiReplies.error;
import static dev.qvmm.vmm.daemon.ApiReplies.fail;
import static dev.qvmm.vmm.daemon.ApiReplies.reply;

/**
 * The daemon's API: JSON over HTTP/1.1 on a Unix socket (mode 0660, group as configured), one
 * request per connection. Long operations answer when they are done; the event loop never waits.
 *
 * <pre>
 * GET    /v1/vms                       every VM's status
 * POST   /v1/vms                       create from a YAML/JSON body (starts it unless its runStrategy is Halted/Manual; Always and RerunOnFailure restart it)
 * GET    /v1/vms/NAME                  status
 * POST   /v1/vms/NAME/start|stop|restart|pause|resume   [?grace=SECONDS for stop, restart; default the VM's own]
 * DELETE /v1/vms/NAME                  stop (?grace=SECONDS, default the VM's own) and forget; user data stays
 * GET    /v1/vms/NAME/volumes          the volumes hotplugged into the running VM
 * POST   /v1/vms/NAME/volumes          hotplug {"volumeName", "bus", "diskType", "serial", "cache", "persist"}
 * DELETE /v1/vms/NAME/volumes/VOLUME   unplug (waits for the guest to release it)
 * POST   /v1/vms/NAME/media/DISK/eject            empty a CD-ROM
 * POST   /v1/vms/NAME/media/DISK/insert {"path"}  put a host image into a CD-ROM
 * POST   /v1/vms/NAME/qmp {"execute", "arguments"}  one QMP command (only with --qmp-passthrough)
 * GET    /v1/events                    lifecycle events of every VM as JSON lines, until the client closes
 * GET    /v1/vms/NAME/console          with "Upgrade: qvmm-console": 101, then the raw serial console both ways
 * </pre>
 * What a client may send and hold is bounded by {@link ApiLimits}, enforced by {@link RequestGuard}
 * before a body is buffered; names in URLs are checked by {@link ApiNames} before any lookup.
 */
public final class ApiServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel channel;
    private final Path socket;
    private final ApiLimits limits;
    /** Every client connection, so that closing the server ends event streams and consoles at once. */
    private final io.netty.channel.group.ChannelGroup connections;

    private ApiServer(EventLoopGroup group, Channel channel, Path socket, ApiLimits limits, io.netty.channel.group.ChannelGroup connections) {
        this.group = group;
        this.channel = channel;
        this.socket = socket;
        this.limits = limits;
        this.connections = connections;
    }

    /**
     * Listens on {@code socket}. A socket file nobody answers on (left by a killed daemon) is
     * replaced; one a daemon answers on is an error.
     */
    public static ApiServer bind(Path socket, Daemon daemon, Optional<String> socketGroup, boolean qmpPassthrough) throws IOException {
        if (Files.exists(socket)) {
            if (answers(socket)) {
                throw new IOException("another qvmm daemon is listening on " + socket);
            }
            Files.delete(socket);
        }
        Files.createDirectories(socket.toAbsolutePath().getParent());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("qvmm-api", true), EpollIoHandler.newFactory());
        ApiLimits limits = new ApiLimits();
        io.netty.channel.group.ChannelGroup connections = new io.netty.channel.group.DefaultChannelGroup(
                io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
        try {
            Channel ch = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            connections.add(c);
                            c.pipeline().addLast(new HttpServerCodec(ApiLimits.decoderConfig()), new RequestGuard(limits),
                                    new HttpObjectAggregator(ApiLimits.MAX_BODY_BYTES), new Handler(daemon, qmpPassthrough, limits));
                        }
                    })
                    .bind(new DomainSocketAddress(socket.toFile())).sync().channel();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            if (socketGroup.isPresent()) {
                GroupPrincipal g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(socketGroup.get());
                Files.getFileAttributeView(socket, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(g);
            }
            return new ApiServer(group, ch, socket, limits, connections);
        } catch (InterruptedException e) {
            limits.close();
            group.shutdownGracefully();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + socket, e);
        } catch (IOException | RuntimeException e) {
            limits.close();
            group.shutdownGracefully();
            throw e;
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path socket() {
        return socket;
    }

    /** Stops listening and removes the socket file. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        // Closed here, not left to the event loop's shutdown: a client following events or a
        // console sees its stream end as soon as the daemon goes away.
        connections.close().awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
        limits.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // a stale socket is replaced by the next daemon
        }
    }

    /** Takes the HTTP handlers off a connection that became something else (an attached console). */
    static void dropHttp(io.netty.channel.ChannelPipeline p) {
        p.remove(HttpServerCodec.class);
        p.remove(RequestGuard.class);
        p.remove(HttpObjectAggregator.class);
        p.remove(Handler.class);
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Daemon daemon;
        private final boolean qmpPassthrough;
        private final ApiLimits limits;

        Handler(Daemon daemon, boolean qmpPassthrough, ApiLimits limits) {
            this.daemon = daemon;
            this.qmpPassthrough = qmpPassthrough;
            this.limits = limits;
        }

        /**
         * A request without a body is routed here, on the event loop: it only looks things up. One
         * with a body goes to the bounded worker pool, so reading a large spec never holds up
         * another client; a full pool answers 503.
         */
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            HttpMethod method = req.method();
            String target = req.uri();
            if (!req.content().isReadable()) {
                handle(ctx, method, target, "");
                return;
            }
            String body = req.content().toString(StandardCharsets.UTF_8);
            try {
                limits.work().execute(() -> handle(ctx, method, target, body));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                reply(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, error("the daemon is reading " + (ApiLimits.WORKERS + ApiLimits.WORK_QUEUE)
                        + " request bodies already, its limit; retry in a moment", "BUSY"));
            }
        }

        private void handle(ChannelHandlerContext ctx, HttpMethod method, String target, String body) {
            QueryStringDecoder uri = new QueryStringDecoder(target);
            List<String> path;
            try {
                path = List.of(uri.path().replaceAll("^/+|/+$", "").split("/+"));
                uri.parameters();
            } catch (IllegalArgumentException e) {
                // QueryStringDecoder's answer to a bad percent-encoding such as %zz
                reply(ctx, HttpResponseStatus.BAD_REQUEST, error("the URL is not valid percent-encoding: " + ApiParams.printable(String.valueOf(e.getMessage())), "BAD_REQUEST"));
                return;
            }
            try {
                route(ctx, method, path, uri, body);
            } catch (ApiParams.BadRequest e) {
                reply(ctx, HttpResponseStatus.BAD_REQUEST, error(e.getMessage(), "BAD_REQUEST"));
            } catch (java.io.IOException e) {
                reply(ctx, HttpResponseStatus.BAD_REQUEST, error("the body is not JSON: " + e.getMessage(), "BAD_REQUEST"));
            } catch (OutOfMemoryError e) {
                reply(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, error("the daemon ran out of memory reading this request; retry in a moment",
                        "BUSY"));
            } catch (StackOverflowError e) {
                reply(ctx, HttpResponseStatus.UNPROCESSABLE_ENTITY, error("the body nests too deeply to be read", "SPEC_UNREADABLE"));
            } catch (RuntimeException e) {
                fail(ctx, e);
            }
        }

        private void route(ChannelHandlerContext ctx, HttpMethod method, List<String> path, QueryStringDecoder uri, String body)
                throws java.io.IOException {
            if (path.isEmpty() || !path.getFirst().equals("v1")) {
                reply(ctx, HttpResponseStatus.NOT_FOUND, error("no such resource: /" + ApiParams.printable(String.join("/", path)), "NOT_FOUND"));
                return;
            }
            Optional<Duration> grace = ApiParams.grace(uri);
            String resource = path.size() > 1 ? path.get(1) : "";
            if (resource.equals("vms") && path.size() > 2 && !ApiNames.vmName(path.get(2))) {
                reply(ctx, HttpResponseStatus.NOT_FOUND, error("no VM named \"" + ApiParams.printable(path.get(2)) + "\": a VM name is a DNS-1123 subdomain of at most "
                        + ApiNames.VM_NAME_MAX + " characters", "VM_NOT_FOUND"));
                return;
            }
            if (resource.equals("vms") && path.size() > 4 && (path.get(3).equals("volumes") || path.get(3).equals("media"))
                    && !ApiNames.partName(path.get(4))) {
                reply(ctx, HttpResponseStatus.NOT_FOUND, error("no " + (path.get(3).equals("media") ? "disk" : "volume") + " named \""
                        + ApiParams.printable(path.get(4)) + "\" can exist", "NOT_FOUND"));
                return;
            }
            if (resource.equals("events") && path.size() == 2 && method.equals(HttpMethod.GET)) {
                streamEvents(ctx);
            } else if (resource.equals("vms") && path.size() == 2 && method.equals(HttpMethod.GET)) {
                ArrayNode all = QmpJson.mapper().createArrayNode();
                daemon.vms().forEach(vm -> all.add(Daemon.statusJson(vm)));
                reply(ctx, HttpResponseStatus.OK, all);
            } else if (resource.equals("vms") && path.size() == 2 && method.equals(HttpMethod.POST)) {
                answer(ctx, daemon.create(body), HttpResponseStatus.CREATED);
            } else if (resource.equals("vms") && path.size() == 3 && method.equals(HttpMethod.GET)) {
                reply(ctx, HttpResponseStatus.OK, Daemon.statusJson(daemon.existing(path.get(2))));
            } else if (resource.equals("vms") && path.size() == 3 && method.equals(HttpMethod.DELETE)) {
                answer(ctx, daemon.delete(path.get(2), grace), HttpResponseStatus.OK);
            } else if (resource.equals("vms") && path.size() == 4 && path.get(3).equals("volumes") && method.equals(HttpMethod.GET)) {
                ArrayNode all = QmpJson.mapper().createArrayNode();
                daemon.existing(path.get(2)).hotplugged().forEach(v -> all.add(QmpJson.mapper().valueToTree(v.request())));
                reply(ctx, HttpResponseStatus.OK, all);
            } else if (resource.equals("vms") && path.size() == 4 && path.get(3).equals("volumes") && method.equals(HttpMethod.POST)) {
                VolumeRequest r;
                try {
                    r = QmpJson.mapper().readValue(body, VolumeRequest.class);
                } catch (java.io.IOException | RuntimeException e) {
                    reply(ctx, HttpResponseStatus.BAD_REQUEST, error("the body is not a volume request "
                            + "({\"volumeName\": ..., \"bus\": ..., \"diskType\": ..., \"serial\": ..., \"cache\": ..., \"persist\": ...}): "
                            + e.getMessage(), "BAD_REQUEST"));
                    return;
                }
                answer(ctx, daemon.existing(path.get(2)).addVolume(r), HttpResponseStatus.OK);
            } else if (resource.equals("vms") && path.size() == 5 && path.get(3).equals("volumes") && method.equals(HttpMethod.DELETE)) {
                answer(ctx, daemon.existing(path.get(2)).removeVolume(path.get(4)), HttpResponseStatus.OK);
            } else if (resource.equals("vms") && path.size() == 4 && path.get(3).equals("console") && method.equals(HttpMethod.GET)) {
                ManagedVm vm = daemon.existing(path.get(2));
                if (vm.qemuPid() < 0) {
                    reply(ctx, HttpResponseStatus.CONFLICT, error("VM \"" + vm.name() + "\" is not running; no console to attach", "VM_STATE_CONFLICT"));
                    return;
                }
                ConsoleRelay.attach(ctx, vm.name(), vm.runDirectory().consoleSocket(), (status, message) -> reply(ctx, status, error(message, "CONSOLE")));
            } else if (resource.equals("vms") && path.size() == 4 && path.get(3).equals("qmp") && method.equals(HttpMethod.POST)) {
                if (!qmpPassthrough) {
                    reply(ctx, HttpResponseStatus.FORBIDDEN, error("QMP passthrough is off; start the daemon with --qmp-passthrough "
                            + "(it lets API users do anything QEMU can)", "FORBIDDEN"));
                    return;
                }
                com.fasterxml.jackson.databind.JsonNode cmd = QmpJson.mapper().readTree(body);
                if (cmd == null || !cmd.path("execute").isTextual()) {
                    reply(ctx, HttpResponseStatus.BAD_REQUEST, error("the body must be {\"execute\": COMMAND, \"arguments\": {...}}", "BAD_REQUEST"));
                    return;
                }
                daemon.existing(path.get(2)).qmp(cmd.get("execute").asText(), cmd.get("arguments")).whenComplete((r, t) -> {
                    if (t != null) {
                        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                        reply(ctx, HttpResponseStatus.UNPROCESSABLE_ENTITY, error(String.valueOf(c.getMessage()), "QMP_ERROR"));
                    } else {
                        reply(ctx, HttpResponseStatus.OK, QmpJson.mapper().createObjectNode().set("return", r));
                    }
                });
            } else if (resource.equals("vms") && path.size() == 6 && path.get(3).equals("media") && method.equals(HttpMethod.POST)) {
                ManagedVm vm = daemon.existing(path.get(2));
                switch (path.get(5)) {
                    case "eject" -> answer(ctx, vm.eject(path.get(4)), HttpResponseStatus.OK);
                    case "insert" -> {
                        String image = Optional.ofNullable(QmpJson.mapper().readTree(body).get("path"))
                                .map(com.fasterxml.jackson.databind.JsonNode::asText).orElse("");
                        if (image.isEmpty()) {
                            reply(ctx, HttpResponseStatus.BAD_REQUEST, error("insert needs a body {\"path\": \"/abs/image.iso\"}", "BAD_REQUEST"));
                        } else {
                            answer(ctx, vm.insert(path.get(4), java.nio.file.Path.of(image)), HttpResponseStatus.OK);
                        }
                    }
                    default -> reply(ctx, HttpResponseStatus.NOT_FOUND, error("no media operation \"" + path.get(5)
                            + "\"; use eject or insert", "NOT_FOUND"));
                }
            } else if (resource.equals("vms") && path.size() == 4 && method.equals(HttpMethod.POST)) {
                ManagedVm vm = daemon.existing(path.get(2));
                CompletableFuture<VmEvent> op = switch (path.get(3)) {
                    case "start" -> vm.start();
                    case "stop" -> vm.stop(grace);
                    case "restart" -> vm.restart(grace);
                    case "pause" -> vm.pause();
                    case "resume" -> vm.resume();
                    default -> null;
                };
                if (op == null) {
                    reply(ctx, HttpResponseStatus.NOT_FOUND, error("no operation \"" + path.get(3)
                            + "\"; use start, stop, restart, pause or resume", "NOT_FOUND"));
                } else {
                    answer(ctx, op, HttpResponseStatus.OK);
                }
            } else {
                reply(ctx, HttpResponseStatus.NOT_FOUND, error("no such resource: " + ApiParams.printable(method + " /" + String.join("/", path)), "NOT_FOUND"));
            }
        }

        private void streamEvents(ChannelHandlerContext ctx) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/jsonl").set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // Subscribed before the head goes out, so a client that has the head misses nothing
            // after it (events of other threads are written after this task).
            Runnable unsubscribe = daemon.subscribe(e -> ctx.writeAndFlush(new DefaultHttpContent(
                    Unpooled.copiedBuffer(e.toJson() + "\n", StandardCharsets.UTF_8))));
            ctx.channel().closeFuture().addListener(f -> unsubscribe.run());
            ctx.writeAndFlush(head);
        }

        private void answer(ChannelHandlerContext ctx, CompletableFuture<VmEvent> op, HttpResponseStatus ok) {
            op.whenComplete((e, t) -> {
                if (t != null) {
                    fail(ctx, t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
                } else {
                    reply(ctx, ok, e.toJson());
                }
            });
        }
    }
}
