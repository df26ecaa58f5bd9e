package dev.qvmm.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.wire.QmpJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A scripted QMP peer for fault tests: it listens on a Unix domain socket in a fresh temporary
 * directory, accepts one client, sends a QEMU 7.2 greeting offering {@code oob}, answers
 * {@code qmp_capabilities}, and from then on does only what the test tells it: hand over the next
 * command the client sent ({@link #nextCommand()}), write bytes whole, one byte per write, or
 * answer a command, and close the connection.
 *
 * <p>A plain blocking JDK socket is enough here: the server's only job is to emit and read bytes
 * in the order a test scripts them, one client at a time, so there is nothing to multiplex and
 * the code under test (the Netty client) stays the only asynchronous party. One thread accepts and
 * reads (parsing commands into a queue), one writes, so a test never blocks on the socket itself.
 *
 * <p>Every wait is bounded by {@link #DEADLINE}: a command that does not arrive, or a write the
 * client does not take, fails the test instead of hanging it. A write that misses its deadline
 * closes the connection, which unblocks the writer.
 */
final class FakeQmpServer implements AutoCloseable {

    static final Duration DEADLINE = Duration.ofSeconds(10);

    static final String GREETING =
            "{\"QMP\":{\"version\":{\"qemu\":{\"micro\":0,\"minor\":2,\"major\":7},\"package\":\"\"},\"capabilities\":[\"oob\"]}}";

    private static final ObjectMapper MAPPER = QmpJson.mapper();
    /** Put in the command queue when the client's side of the stream ends. */
    private static final JsonNode END = MAPPER.createObjectNode().put("end-of-stream", true);

    private final Path dir;
    private final Path socket;
    private final ServerSocketChannel server;
    private final CompletableFuture<SocketChannel> connection = new CompletableFuture<>();
    private final CompletableFuture<JsonNode> capabilities = new CompletableFuture<>();
    private final BlockingQueue<JsonNode> commands = new LinkedBlockingQueue<>();
    /** Open (count zero) while the server reads; {@link #holdReads()} swaps in a closed one. */
    private volatile CountDownLatch readGate = new CountDownLatch(0);
    private final ExecutorService reader = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("fake-qmp-reader").factory());
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("fake-qmp-writer").factory());

    private final String greeting;

    private FakeQmpServer(Path dir, Path socket, ServerSocketChannel server, String greeting) {
        this.dir = dir;
        this.socket = socket;
        this.server = server;
        this.greeting = greeting;
    }

    static FakeQmpServer start() throws IOException {
        return start(GREETING + "\r\n");
    }

    /** A server that opens with {@code greeting} as given (hostile or partial); {@link #write} can carry on from it. */
    static FakeQmpServer start(String greeting) throws IOException {
        Path dir = Files.createTempDirectory("qmp-fake");
        Path socket = dir.resolve("qmp.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        FakeQmpServer fake = new FakeQmpServer(dir, socket, server, greeting);
        fake.reader.execute(fake::serve);
        return fake;
    }

    Path socket() {
        return socket;
    }

    /** The {@code qmp_capabilities} command the client negotiated with. */
    JsonNode capabilitiesCommand() {
        return await(capabilities, "qmp_capabilities");
    }

    /** The next command the client sent, waiting up to {@link #DEADLINE}. */
    JsonNode nextCommand() {
        JsonNode c = pollCommand(DEADLINE);
        if (c == null) {
            throw new AssertionError("the client sent no command within " + DEADLINE.toMillis() + " ms");
        }
        return c;
    }

    /** The next command if one arrives within {@code wait}, else null. */
    JsonNode pollCommand(Duration wait) {
        JsonNode c;
        try {
            c = commands.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for a command", e);
        }
        if (c == END) {
            commands.add(END);
            throw new AssertionError("the client closed the connection instead of sending a command");
        }
        return c;
    }

    /** Waits until the client closes its end; fails if it sends a command first. */
    void awaitClientClose() {
        try {
            JsonNode c = commands.poll(DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
            if (c != END) {
                throw new AssertionError(c == null ? "the client did not close the connection within " + DEADLINE.toMillis() + " ms"
                        : "expected the client to close the connection, it sent " + c);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for the client to close", e);
        }
    }

    /**
     * Stops taking bytes off the socket after the read already under way, so later commands stay
     * unread in the kernel, as with a QEMU that is killed while its monitor is suspended.
     */
    void holdReads() {
        readGate = new CountDownLatch(1);
    }

    /** Answers {@code command} with {@code {"return": value, "id": <its id>}}. */
    void reply(JsonNode command, Object value) {
        write(line(returnFor(command, value)));
    }

    /** The reply to {@code command} as a tree, for tests that assemble their own bytes. */
    static ObjectNode returnFor(JsonNode command, Object value) {
        ObjectNode reply = MAPPER.createObjectNode();
        reply.set("return", MAPPER.valueToTree(value));
        reply.set("id", command.get("id"));
        return reply;
    }

    /** One message as QEMU writes it: compact JSON and CRLF. */
    static String line(JsonNode message) {
        try {
            return MAPPER.writeValueAsString(message) + "\r\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    void write(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes} as they are, in as few writes as the socket allows. */
    void write(byte[] bytes) {
        onWriter(ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /** Writes {@code bytes} with one write(2) per byte, so the client's reads can end anywhere. */
    void writeBytewise(byte[] bytes) {
        onWriter(ch -> {
            for (int i = 0; i < bytes.length; i++) {
                ByteBuffer one = ByteBuffer.wrap(bytes, i, 1);
                while (one.hasRemaining()) {
                    ch.write(one);
                }
            }
        });
    }

    /**
     * Closes the client connection after everything written before it. Returns
     * {@link System#nanoTime()} taken just before the close: the earliest the client can see it.
     */
    long closeConnection() {
        long[] at = new long[1];
        onWriter(ch -> {
            at[0] = System.nanoTime();
            ch.close();
        });
        return at[0];
    }

    @Override
    public void close() throws IOException {
        connection.thenAccept(ch -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all that is left to do
            }
        });
        server.close();
        reader.shutdownNow();
        writer.shutdownNow();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    private void serve() {
        try {
            SocketChannel ch = server.accept();
            connection.complete(ch);
            writer.execute(() -> writeNow(ch, greeting));
            InputStream in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    try {
                        readGate.await(); // released by close(), which interrupts this thread
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException("the fake server was closed");
                    }
                    return ch.read(ByteBuffer.wrap(b, off, len));
                }
            };
            try (MappingIterator<JsonNode> it = MAPPER.readerFor(JsonNode.class).readValues(in)) {
                while (it.hasNextValue()) {
                    JsonNode command = it.nextValue();
                    if (!capabilities.isDone() && "qmp_capabilities".equals(command.path("execute").asText())) {
                        capabilities.complete(command);
                        writer.execute(() -> writeNow(ch, line(returnFor(command, MAPPER.createObjectNode()))));
                    } else {
                        commands.add(command);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // The connection ended (the client closed it, or the test closed this server).
            connection.completeExceptionally(e);
            capabilities.completeExceptionally(e);
        } finally {
            commands.add(END);
        }
    }

    private static void writeNow(SocketChannel ch, String text) {
        try {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            // the client went away during the handshake; its connect() reports that
        }
    }

    private interface SocketAction {
        void run(SocketChannel ch) throws IOException;
    }

    /** Runs {@code action} on the writer thread, in order with all other writes, within the deadline. */
    private void onWriter(SocketAction action) {
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                action.run(await(connection, "a client connection"));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, writer);
        try {
            done.get(DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            connection.thenAccept(ch -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // unblocking the writer is what counts
                }
            });
            throw new AssertionError("the client did not take the server's bytes within " + DEADLINE.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new AssertionError("the fake server could not write: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while writing", e);
        }
    }

    private static <T> T await(CompletableFuture<T> f, String what) {
        try {
            return f.get(DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no " + what + " within " + DEADLINE.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new AssertionError("no " + what + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }
}
