package dev.qvmm.bench.qmp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.qvmm.qmp.command.StatusInfo;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The least a QMP client can do, as the yardstick for {@code QmpClient}'s round trip: one
 * blocking JDK {@link SocketChannel} on the Unix socket, the caller's own thread doing every
 * step, Jackson for JSON, messages framed by the CRLF QEMU ends each with. It reads the greeting
 * and sends {@code qmp_capabilities} itself, skips events while it waits, and converts the reply
 * into the same {@link StatusInfo} record as qvmm does, so both sides do comparable JSON work.
 *
 * <p>Not thread-safe, no timeouts, no pipelining, no fd passing: it is a measuring stick, not a
 * client to use.
 */
final class BaselineQmpClient implements AutoCloseable {

    private final ObjectMapper mapper = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private final SocketChannel channel;
    private byte[] in = new byte[16 * 1024];
    private int start;
    private int end;
    private long ids;

    private BaselineQmpClient(SocketChannel channel) {
        this.channel = channel;
    }

    static BaselineQmpClient connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        BaselineQmpClient client = new BaselineQmpClient(channel);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            JsonNode greeting = client.readMessage();
            if (!greeting.has("QMP")) {
                throw new IOException("expected QEMU's greeting on " + socket + ", got " + greeting);
            }
            client.execute("qmp_capabilities");
            return client;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    StatusInfo queryStatus() throws IOException {
        return mapper.treeToValue(execute("query-status"), StatusInfo.class);
    }

    /** Sends a command without arguments and returns its {@code return} value. */
    JsonNode execute(String command) throws IOException {
        long id = ++ids;
        byte[] json = mapper.writeValueAsBytes(mapper.createObjectNode().put("execute", command).put("id", id));
        ByteBuffer out = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        while (true) {
            JsonNode reply = readMessage();
            if (reply.has("event")) {
                continue;
            }
            if (reply.path("id").asLong(-1) != id) {
                throw new IOException("reply to " + command + " carries id " + reply.get("id") + ", expected " + id);
            }
            JsonNode value = reply.get("return");
            if (value == null) {
                throw new IOException(command + " failed: " + reply.path("error"));
            }
            return value;
        }
    }

    /** Reads up to the next CRLF and parses what came before it. */
    private JsonNode readMessage() throws IOException {
        int scan = start;
        while (true) {
            for (int i = Math.max(scan, start + 1); i < end; i++) {
                if (in[i] == '\n' && in[i - 1] == '\r') {
                    JsonNode message = mapper.readTree(in, start, i - 1 - start);
                    start = i + 1;
                    return message;
                }
            }
            scan = end;
            if (start > 0) {
                System.arraycopy(in, start, in, 0, end - start);
                scan -= start;
                end -= start;
                start = 0;
            }
            if (end == in.length) {
                in = Arrays.copyOf(in, in.length * 2);
            }
            int n = channel.read(ByteBuffer.wrap(in, end, in.length - end));
            if (n < 0) {
                throw new EOFException("QEMU closed the QMP socket");
            }
            end += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
