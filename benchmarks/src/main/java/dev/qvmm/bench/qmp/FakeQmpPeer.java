package dev.qvmm.bench.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.qmp.wire.QmpJson;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The QEMU end of a QMP socket, played by the benchmark so that it can send events faster than
 * any QEMU would: it listens on a Unix socket in a private temporary directory, accepts one
 * client, greets it as QEMU 7.2 does, answers its {@code qmp_capabilities}, and from then on only
 * writes what it is given, blocking while the client's socket buffer is full. Owns the listening
 * socket, the accepted one and the directory; {@link #close()} releases all three.
 */
final class FakeQmpPeer implements AutoCloseable {

    private static final byte[] GREETING = ("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"
            + " \"package\": \"qvmm-bench\"}, \"capabilities\": [\"oob\"]}}\r\n").getBytes(StandardCharsets.UTF_8);

    private final Path dir;
    private final Path socket;
    private final ServerSocketChannel server;
    private volatile SocketChannel peer;

    private FakeQmpPeer(Path dir, Path socket, ServerSocketChannel server) {
        this.dir = dir;
        this.socket = socket;
        this.server = server;
    }

    static FakeQmpPeer listen() throws IOException {
        Path dir = Files.createTempDirectory("qvmm-bench-peer-");
        Path socket = dir.resolve("qmp.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            server.close();
            QemuProcess.deleteTree(dir);
            throw e;
        }
        return new FakeQmpPeer(dir, socket, server);
    }

    Path socket() {
        return socket;
    }

    /**
     * Accepts one client and completes the QMP handshake. Blocks: run it on its own thread while
     * the client connects.
     */
    void serveHandshake() throws IOException {
        SocketChannel ch = server.accept();
        peer = ch;
        write(ByteBuffer.wrap(GREETING));
        JsonNode command = QmpJson.mapper().readTree(readLine(ch));
        if (!"qmp_capabilities".equals(command.path("execute").asText())) {
            throw new IOException("expected qmp_capabilities from the client, got " + command);
        }
        write(ByteBuffer.wrap(("{\"return\": {}, \"id\": " + command.get("id") + "}\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes all of {@code bytes}, blocking while the client does not read. */
    void write(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            peer.write(bytes);
        }
    }

    private static byte[] readLine(SocketChannel ch) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new EOFException("the client closed the socket during the handshake");
            }
            byte b = one.get(0);
            if (b == '\n') {
                return line.toByteArray();
            }
            line.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        try (server) {
            if (peer != null) {
                peer.close();
            }
        } finally {
            QemuProcess.deleteTree(dir);
        }
    }
}
