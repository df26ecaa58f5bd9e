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
