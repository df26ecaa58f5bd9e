package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.qmp.command.AddFd;
import dev.qvmm.qmp.command.AddfdInfo;
import dev.qvmm.qmp.command.Getfd;
import dev.qvmm.qmp.command.QmpCapabilities;
import dev.qvmm.qmp.command.QmpCommand;
import dev.qvmm.qmp.wire.QmpCommandEncoder;
import dev.qvmm.qmp.wire.QmpJson;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A QMP client for one QEMU monitor on a Unix domain socket.
 *
 * <pre>{@code
 * try (QmpClient qmp = QmpClient.connect(Path.of("/run/vm1/qmp.sock"))) {
 *     System.out.println("QEMU " + qmp.greeting().version());
 *     CompletableFuture<QmpEvent> stopped = qmp.awaitEvent("STOP", e -> true, Duration.ofSeconds(5));
 *     qmp.execute(new Stop()).join();
 *     stopped.join();
 *     StatusInfo status = qmp.execute(new QueryStatus()).join();   // status() == "paused"
 * }
 * }</pre>
 *
 * <p>Contract:
 * <ul>
 * <li>Any number of threads may call at once. Every command carries an id and its reply completes
 *     the caller's future, in whatever order replies come.</li>
 * <li>Futures are completed on the connection's I/O thread. Dependent stages added with the
 *     non-async methods run there too: never block in them (use the {@code *Async} variants).</li>
 * <li>Every command has a deadline (per {@link CommandClass}, overridable per call); a timeout fails
 *     that future with {@link QmpException.Kind#TIMEOUT} and the connection stays usable.</li>
 * <li>When the connection ends, every pending command fails at once with
 *     {@link QmpException.Kind#DISCONNECTED}; later calls fail the same way. Reconnecting to a
 *     QEMU that is still running is an ordinary {@link #connect}.</li>
 * <li>Events reach every matching subscriber in order, off the I/O thread, through a bounded
 *     buffer per subscriber that signals overflow instead of dropping silently.</li>
 * </ul>
 * A caller that would exceed {@link QmpOptions#maxQueued()} unanswered commands waits for a slot
 * up to its command's deadline; on the I/O thread itself it fails at once with
 * {@link QmpException.Kind#OVERLOADED}.
 */
public final class QmpClient implements AutoCloseable {

    private static final Duration NO_DEADLINE_SLOT_WAIT = Duration.ofSeconds(60);

    private final Path socket;
    private final QmpOptions options;
    private final Channel channel;
    private final EventLoop loop;
    private final QmpConnection connection;
    private final EventHub events;
    private final Semaphore queueSlots;
    private final QmpCommandEncoder encoder;
    private final AtomicLong ids = new AtomicLong();
    private volatile QmpGreeting greeting;
    private volatile boolean oobEnabled;

    private QmpClient(Path socket, QmpOptions options, Channel channel, QmpConnection connection, EventHub events,
                      Semaphore queueSlots) {
        this.socket = socket;
        this.options = options;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.connection = connection;
        this.events = events;
        this.queueSlots = queueSlots;
        this.encoder = new QmpCommandEncoder(QmpJson.mapper());
    }

    /**
     * Loads the transport (Netty's epoll native library, the shared I/O thread) and the codec
     * ahead of the first {@link #connect}. Optional: a launcher calls it on a spare thread to take
     * class loading off its path to QEMU's greeting.
     */
    public static void warmUp() {
        SharedResources.eventLoopGroup();
        new dev.qvmm.qmp.wire.QmpMessageParser(1024).feed(java.nio.ByteBuffer.wrap(
                "{\"QMP\":{\"version\":{\"qemu\":{\"major\":0,\"minor\":0,\"micro\":0},\"package\":\"\"},\"capabilities\":[]}}"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII)), m -> { });
        new QmpCommandEncoder(QmpJson.mapper()).encode("query-status", null, 0, false);
    }

    /** Connects with {@link QmpOptions#defaults()}; see {@link #connect(Path, QmpOptions)}. */
    public static QmpClient connect(Path socket) {
        return connect(socket, QmpOptions.defaults());
    }

    /**
     * Connects to the QMP socket, reads the greeting and negotiates capabilities (enabling
     * out-of-band execution when QEMU offers it and the options allow). Blocks until ready.
     *
     * @throws QmpException of kind CONNECT_FAILED when the socket cannot be reached or no greeting
     *                      comes within {@link QmpOptions#connectTimeout()}
     */
    public static QmpClient connect(Path socket, QmpOptions options) {
        try {
            return connectAsync(socket, options).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw QmpException.connectFailed("interrupted while connecting to " + socket, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof QmpException q ? q
                    : QmpException.connectFailed("cannot connect to " + socket + ": " + e.getCause(), e.getCause());
        }
    }

    public static CompletableFuture<QmpClient> connectAsync(Path socket, QmpOptions options) {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(options, "options");
        EventLoopGroup group = options.eventLoopGroup() != null ? options.eventLoopGroup() : SharedResources.eventLoopGroup();
        Executor executor = options.eventExecutor() != null ? options.eventExecutor() : SharedResources.eventExecutor();
        WireLog wireLog = WireLog.open(options.wireLog());
        EventHub events = new EventHub(executor);
        Semaphore slots = new Semaphore(options.maxQueued());
        QmpConnection connection = new QmpConnection(socket, events, wireLog, slots, options.maxInFlight());

        long timeoutMillis = Math.max(1, options.connectTimeout().toMillis());
        ChannelFuture connect = new Bootstrap()
                .group(group)
                .channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new QmpFrameDecoder(options.maxMessageBytes(), wireLog), connection);
                    }
                })
                .connect(new DomainSocketAddress(socket.toString()));

        CompletableFuture<QmpClient> result = new CompletableFuture<>();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                if (wireLog != null) {
                    wireLog.close();
                }
                result.completeExceptionally(QmpException.connectFailed("cannot connect to QMP socket " + socket + ": "
                        + f.cause().getMessage() + " (is QEMU running with -qmp unix:" + socket + ",server=on,wait=off?)",
                        f.cause()));
                return;
            }
            Channel ch = connect.channel();
            QmpClient client = new QmpClient(socket, options, ch, connection, events, slots);
            ch.eventLoop().schedule(() -> {
                if (!connection.greeting.isDone()) {
                    connection.closing(QmpException.connectFailed("no QMP greeting on " + socket + " within "
                            + timeoutMillis + " ms: another client may hold the monitor (QEMU serves one at a time)", null));
                    ch.close();
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            connection.greeting
                    .thenCompose(g -> client.negotiate(g))
                    .whenComplete((c, t) -> {
                        if (t == null) {
                            result.complete(c);
                        } else {
                            ch.close();
                            Throwable cause = t instanceof CompletionException ? t.getCause() : t;
                            result.completeExceptionally(cause instanceof QmpException q && q.kind() == QmpException.Kind.CONNECT_FAILED
                                    ? q : QmpException.connectFailed("QMP negotiation with " + socket + " failed: " + cause.getMessage(), cause));
                        }
                    });
        });
        return result;
    }

    private CompletableFuture<QmpClient> negotiate(QmpGreeting g) {
        this.greeting = g;
        boolean oob = options.enableOob() && g.offers("oob");
        QmpCapabilities caps = new QmpCapabilities(oob ? Set.of("oob") : null);
        return execute(caps).thenApply(v -> {
            this.oobEnabled = oob;
            return this;
        });
    }

    /** QEMU's version and offered capabilities, as announced when connecting. */
    public QmpGreeting greeting() {
        return greeting;
    }

    /** Whether out-of-band execution was negotiated ({@link #executeOob} needs it). */
    public boolean oobEnabled() {
        return oobEnabled;
    }

    public Path socket() {
        return socket;
    }

    public boolean isConnected() {
        return connection.closeCause() == null && channel.isActive();
    }

    /** Completes, with the reason, when the connection has ended for any cause. */
    public CompletableFuture<QmpException> closeFuture() {
        return connection.closed;
    }

    /** Runs {@code command} with raw JSON arguments (any Jackson-writable object, or null). */
    public CompletableFuture<JsonNode> execute(String command, Object arguments) {
        return execute(command, arguments, options.timeoutFor(command));
    }

    /** As {@link #execute(String, Object)} with this call's own deadline (zero: none). */
    public CompletableFuture<JsonNode> execute(String command, Object arguments, Duration timeout) {
        return submit(command, arguments, false, timeout, -1);
    }

    /**
     * Runs {@code command} out of band: QEMU executes it at once, even while an in-band command
     * is still running. Only commands QEMU marks {@code allow-oob} are accepted.
     */
    public CompletableFuture<JsonNode> executeOob(String command, Object arguments) {
        return submit(command, arguments, true, options.timeoutFor(command), -1);
    }

    public <R> CompletableFuture<R> execute(QmpCommand<R> command) {
        return execute(command, options.timeoutFor(command.command()));
    }

    public <R> CompletableFuture<R> execute(QmpCommand<R> command, Duration timeout) {
        return typed(command, submit(command.command(), command.arguments(), false, timeout, -1));
    }

    public <R> CompletableFuture<R> executeOob(QmpCommand<R> command) {
        return typed(command, submit(command.command(), command.arguments(), true, options.timeoutFor(command.command()), -1));
    }

    /**
     * Runs {@code command} with the file descriptor {@code fd} passed along (SCM_RIGHTS). QEMU
     * takes its own copy; the caller keeps and eventually closes {@code fd}.
     */
    public <R> CompletableFuture<R> executeWithFd(QmpCommand<R> command, int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("file descriptor " + fd + " is not valid");
        }
        return typed(command, submit(command.command(), command.arguments(), false, options.timeoutFor(command.command()), fd));
    }

    /** {@code getfd}: QEMU keeps {@code fd} under {@code name} (for chardevs, netdevs, ...). */
    public CompletableFuture<Void> getfd(String name, int fd) {
        return executeWithFd(new Getfd(name), fd);
    }

    /** {@code add-fd}: adds {@code fd} to an fd set, usable as {@code /dev/fdset/N} in file names. */
    public CompletableFuture<AddfdInfo> addFd(int fd, Integer fdsetId, String opaque) {
        return executeWithFd(new AddFd(fdsetId, opaque), fd);
    }

    /** Delivers every event whose name is in {@code names} to {@code listener}. */
    public QmpSubscription subscribe(Set<String> names, QmpEventListener listener) {
        Set<String> copy = Set.copyOf(names);
        return subscribe(e -> copy.contains(e.name()), listener);
    }

    /**
     * Delivers every event matching {@code filter} to {@code listener}. The filter runs on the I/O
     * thread: keep it cheap and non-blocking.
     */
    public QmpSubscription subscribe(Predicate<QmpEvent> filter, QmpEventListener listener) {
        return subscribe(filter, listener, options.eventBufferSize());
    }

    /** As {@link #subscribe(Predicate, QmpEventListener)} with this subscriber's own buffer size. */
    public QmpSubscription subscribe(Predicate<QmpEvent> filter, QmpEventListener listener, int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize must be at least 1, got " + bufferSize);
        }
        return events.subscribe(Objects.requireNonNull(filter), Objects.requireNonNull(listener), bufferSize);
    }

    /**
     * Waits for the first event named {@code name} that matches {@code filter}. The wait is
     * registered before this method returns, so call it <em>before</em> the command that causes
     * the event (e.g. {@code device_del}, then its DEVICE_DELETED) and nothing can be missed.
     */
    public CompletableFuture<QmpEvent> awaitEvent(String name, Predicate<QmpEvent> filter, Duration timeout) {
        Objects.requireNonNull(name);
        Objects.requireNonNull(filter);
        CompletableFuture<QmpEvent> f = events.await(e -> name.equals(e.name()) && filter.test(e));
        if (!timeout.isZero()) {
            loop.schedule(() -> f.completeExceptionally(QmpException.eventTimeout(name, timeout)),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return f;
    }

    /** Closes the connection; pending commands fail with DISCONNECTED. Idempotent. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            loop.execute(() -> {
                connection.closing(QmpException.disconnected("QMP client for " + socket + " was closed", null));
                channel.close();
            });
        } catch (RejectedExecutionException e) {
            channel.close();
        }
        connection.closed.join();
    }

    private <R> CompletableFuture<R> typed(QmpCommand<R> command, CompletableFuture<JsonNode> raw) {
        ObjectMapper mapper = QmpJson.mapper();
        return raw.thenApply(value -> command.result(value, mapper));
    }

    private CompletableFuture<JsonNode> submit(String command, Object arguments, boolean oob, Duration timeout, int fd) {
        long start = System.nanoTime();
        QmpException closed = connection.closeCause();
        if (closed != null) {
            return CompletableFuture.failedFuture(QmpException.connectionEnded(command, closed));
        }
        long id = ids.incrementAndGet();
        byte[] bytes;
        try {
            bytes = encoder.encode(command, arguments, id, oob);
        } catch (QmpException e) {
            return CompletableFuture.failedFuture(e);
        }
        QmpException overloaded = acquireSlot(command, timeout);
        if (overloaded != null) {
            return CompletableFuture.failedFuture(overloaded);
        }
        PendingCommand p = new PendingCommand(id, command, oob, bytes, fd, timeout, start);
        try {
            loop.execute(() -> connection.submit(p));
        } catch (RejectedExecutionException e) {
            queueSlots.release();
            return CompletableFuture.failedFuture(QmpException.connectionEnded(command,
                    QmpException.disconnected("the QMP I/O event loop has shut down", e)));
        }
        return p.future;
    }

    private QmpException acquireSlot(String command, Duration timeout) {
        if (queueSlots.tryAcquire()) {
            return null;
        }
        long start = System.nanoTime();
        if (loop.inEventLoop()) {
            return QmpException.overloaded(command, options.maxQueued(), Duration.ZERO);
        }
        Duration wait = timeout.isZero() ? NO_DEADLINE_SLOT_WAIT : timeout;
        try {
            if (queueSlots.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return QmpException.overloaded(command, options.maxQueued(), Duration.ofNanos(System.nanoTime() - start));
    }

    @Override
    public String toString() {
        return "QmpClient[" + socket + (greeting != null ? ", QEMU " + greeting.version() : "") + "]";
    }
}
