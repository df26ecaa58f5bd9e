package dev.qvmm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The daemon's API called directly (as curl --unix-socket would), for tests that make thousands
 * of calls: one HTTP/1.1 request per connection, the answer read to the end.
 */
final class ApiCalls {

    record Answer(int status, JsonNode body, String raw) {
    }

    private final Path socket;

    ApiCalls(Path socket) {
        this.socket = socket;
    }

    /**
     * Opens {@code GET /v1/events} and hands every event to {@code sink} on a thread of its own;
     * returns once the daemon answered (it subscribes before it answers), closed by the result.
     */
    AutoCloseable events(java.util.function.Consumer<JsonNode> sink) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.write(ByteBuffer.wrap("GET /v1/events HTTP/1.1\r\nHost: qvmm\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
        String status = in.readLine();
        if (status == null || !status.startsWith("HTTP/1.1 200")) {
            ch.close();
            throw new IOException("GET /v1/events answered " + status);
        }
        for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
            // the head ends at the empty line; the events follow, one JSON object a line
        }
        ObjectMapper json = new ObjectMapper();
        Thread reader = Thread.ofPlatform().daemon(true).name("events").start(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("{")) {
                        sink.accept(json.readTree(line));
                    }
                }
            } catch (IOException closed) {
                // the stream was closed
            }
        });
        return () -> {
            ch.close();
            reader.join(5_000);
        };
    }

    Answer call(String method, String path, String body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            byte[] head = (method + " " + path + " HTTP/1.1\r\nHost: qvmm\r\nConnection: close\r\nContent-Length: " + content.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer out = ByteBuffer.allocate(head.length + content.length).put(head).put(content).flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            String all = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(all.substring(9, 12));
            String raw = all.substring(all.indexOf("\r\n\r\n") + 4);
            return new Answer(status, raw.isBlank() ? null : new ObjectMapper().readTree(raw), raw);
        }
    }
}
