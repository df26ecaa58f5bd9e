package dev.qvmm.vmm.metrics;

import dev.qvmm.vmm.launch.Companion;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The host side of the vhostmd virtio-serial port {@code org.github.vhostmd.1}. qvmm listens on a
 * Unix socket that QEMU's chardev connects to (so the socket exists before QEMU starts, and QEMU
 * reconnects should the connection drop). A request is bytes up to an empty line:
 * {@value #REQUEST} followed by {@code "\n\n"} is answered with the {@code <metrics>} XML and
 * {@code "\n\n"}; anything else with {@code "INVALID REQUEST\n\n"}. At most one answer per
 * {@link #MIN_INTERVAL}: a request that comes sooner is answered when the interval has passed
 * (delayed, never dropped). A request longer than {@value #MAX_REQUEST} bytes without its empty
 * line is invalid.
 *
 * <p>One platform thread serves one connection at a time; {@link #close()} closes the socket,
 * which ends any blocked read or write, joins the thread and removes the socket file.
 */
public final class VhostmdPortServer implements Companion {

    public static final String REQUEST = "GET /metrics/XML";
    public static final byte[] INVALID = "INVALID REQUEST\n\n".getBytes(StandardCharsets.US_ASCII);
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    static final int MAX_REQUEST = 4096;

    private final String forName;
    private final Path socket;
    private final MetricsCollector collector;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    private volatile SocketChannel connection;
    private volatile boolean closed;
    private long lastAnswer;

    private VhostmdPortServer(String forName, Path socket, MetricsCollector collector, ServerSocketChannel server) {
        this.forName = forName;
        this.socket = socket;
        this.collector = collector;
        this.server = server;
        this.thread = Thread.ofPlatform().daemon(true).name("vhostmd-port").unstarted(this::serve);
    }

    /** Binds {@code socket} (which must not exist) and starts serving. */
    public static VhostmdPortServer start(String forName, Path socket, MetricsCollector collector) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
        VhostmdPortServer s = new VhostmdPortServer(forName, socket, collector, server);
        s.thread.start();
        return s;
    }

    public Path socket() {
        return socket;
    }

    @Override
    public String forName() {
        return forName;
    }

    @Override
    public void qemuStarted(long pid) {
        collector.qemuStarted(pid);
    }

    @Override
    public CompletableFuture<String> failure() {
        return failure;
    }

    private void serve() {
        while (!closed) {
            try (SocketChannel c = server.accept()) {
                connection = c;
                if (closed) {
                    return;
                }
                answer(c);
            } catch (IOException e) {
                if (!closed && !server.isOpen()) {
                    failure.complete("vhostmd port socket " + socket + " closed: " + e);
                    return;
                }
                // The connection dropped; QEMU reconnects.
            } catch (InterruptedException e) {
                return;
            } finally {
                connection = null;
            }
        }
    }

    /** Answers requests on one connection until it ends. */
    private void answer(SocketChannel c) throws IOException, InterruptedException {
        byte[] pending = new byte[0];
        ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        while (c.read(in) >= 0) {
            in.flip();
            byte[] got = new byte[in.remaining()];
            in.get(got);
            in.clear();
            pending = concat(pending, got);
            int end;
            while ((end = emptyLine(pending)) >= 0) {
                String request = new String(pending, 0, end, StandardCharsets.UTF_8);
                pending = Arrays.copyOfRange(pending, end + 2, pending.length);
                respond(c, REQUEST.equals(request));
            }
            if (pending.length > MAX_REQUEST) {
                pending = new byte[0];
                respond(c, false);
            }
        }
    }

    private void respond(SocketChannel c, boolean valid) throws IOException, InterruptedException {
        long wait = lastAnswer + MIN_INTERVAL.toNanos() - System.nanoTime();
        if (lastAnswer != 0 && wait > 0) {
            Thread.sleep(Duration.ofNanos(wait)); // the rate limit itself, not a wait for an event
        }
        byte[] out = valid ? (MetricsXml.render(collector.collect()) + "\n\n").getBytes(StandardCharsets.UTF_8) : INVALID;
        ByteBuffer b = ByteBuffer.wrap(out);
        while (b.hasRemaining()) {
            c.write(b);
        }
        lastAnswer = System.nanoTime();
    }

    /** Index of the first "\n\n", or -1. */
    static int emptyLine(byte[] b) {
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == '\n' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing a listening socket does not fail in a way that leaves it open
        }
        SocketChannel c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // already gone
            }
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the run directory removal takes it
        }
    }
}
