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
            try {
                send(ch, method, path, body);
            } catch (IOException refusedMidBody) {
                // The daemon answers a body over its limit (413) before it has read it, and closes:
                // its answer is still there to read, and says more than the broken pipe.
            }
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

    /**
     * Attaches to a VM's console: after the daemon's 101, bytes from {@code in} go to the guest's
     * serial port and the guest's output to {@code out}, until the daemon or the VM closes it, or
     * {@code in} ends: then this side shuts its output, the daemon lets go of the console and what
     * the guest wrote until then still arrives. Returns the HTTP status and, when refused, the
     * daemon's answer.
     */
    Response attach(String path, InputStream in, java.io.OutputStream out) {
        try (SocketChannel ch = connect()) {
            String head = "GET " + path + " HTTP/1.1\r\nHost: qvmm\r\nConnection: Upgrade\r\nUpgrade: qvmm-console\r\n\r\n";
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            InputStream fromDaemon = Channels.newInputStream(ch);
            // The head byte by byte: what follows it is already the console, not for a line reader.
            StringBuilder h = new StringBuilder();
            for (int b; !h.toString().endsWith("\r\n\r\n"); ) {
                if ((b = fromDaemon.read()) < 0) {
                    throw new IOException("the daemon closed the connection");
                }
                h.append((char) b);
            }
            int status = Integer.parseInt(h.substring(9, 12));
            if (status != 101) {
                return new Response(status, new String(fromDaemon.readAllBytes(), StandardCharsets.UTF_8));
            }
            Thread typing = Thread.ofPlatform().daemon(true).name("console-in").start(() -> {
                try {
                    byte[] buf = new byte[1024];
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                    }
                    ch.shutdownOutput();
                } catch (IOException ignored) {
                    // the console closed
                }
            });
            byte[] buf = new byte[8192];
            for (int n; (n = fromDaemon.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
            typing.interrupt();
            return new Response(101, "");
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
