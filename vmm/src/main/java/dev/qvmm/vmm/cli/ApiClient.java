package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.VmmException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The CLI's side of the daemon's API: one HTTP/1.1 request per connection on the Unix socket,
 * answered with {@code Connection: close}. The JDK's HTTP client cannot reach a Unix socket and
 * the CLI must start fast, so this is a plain request writer and a status-line-and-headers reader.
 */
final class ApiClient {

    /** An answer: HTTP status and body. */
    record Response(int status, String body) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    private final Path socket;

    ApiClient(Path socket) {
        this.socket = socket;
    }

    Response call(String method, String path, String body) {
        try (SocketChannel ch = connect()) {
            send(ch, method, path, body);
            InputStream in = Channels.newInputStream(ch);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int status = readHead(r);
            StringBuilder b = new StringBuilder();
            char[] buf = new char[8192];
            for (int n; (n = r.read(buf)) > 0; ) {
                b.append(buf, 0, n);
            }
            return new Response(status, b.toString());
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** A streaming GET: each body line goes to {@code lines} until the daemon closes the stream. */
    void stream(String path, Consumer<String> lines) {
        try (SocketChannel ch = connect()) {
            send(ch, "GET", path, "");
            BufferedReader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            int status = readHead(r);
            if (status != 200) {
                throw new VmmException(VmmException.Kind.DAEMON_UNREACHABLE, socket.toString(), "the daemon answered " + status + " to GET " + path);
            }
            for (String line; (line = r.readLine()) != null; ) {
                lines.accept(line);
            }
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private static void send(SocketChannel ch, String method, String path, String body) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: qvmm\r\nConnection: close\r\nContent-Type: application/yaml\r\n"
                + "Content-Length: " + content.length + "\r\n\r\n";
        ByteBuffer out = ByteBuffer.allocate(head.length() + content.length);
        out.put(head.getBytes(StandardCharsets.US_ASCII)).put(content).flip();
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    /** Reads the status line and the headers; returns the status. */
    private int readHead(BufferedReader r) throws IOException {
        String status = r.readLine();
        if (status == null || !status.startsWith("HTTP/1.")) {
            throw new VmmException(VmmException.Kind.DAEMON_UNREACHABLE, socket.toString(),
                    socket + " did not answer as the qvmm daemon does (got \"" + status + "\")");
        }
        for (String h; (h = r.readLine()) != null && !h.isEmpty(); ) {
            // headers: the body is read to the end of the connection
        }
        return Integer.parseInt(status.split(" ")[1]);
    }

    private VmmException unreachable(IOException e) {
        return new VmmException(VmmException.Kind.DAEMON_UNREACHABLE, socket.toString(), "cannot reach the qvmm daemon on " + socket
                + ": " + e.getMessage() + " (is `qvmm daemon` running? --socket or QVMM_SOCKET name another socket)", java.util.List.of(), e);
    }
}
