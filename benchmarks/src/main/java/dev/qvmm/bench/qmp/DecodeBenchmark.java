package dev.qvmm.bench.qmp;

import dev.qvmm.qmp.wire.QmpMessage;
import dev.qvmm.qmp.wire.QmpMessageParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Inbound hot path without the socket: one complete message's bytes fed to a
 * {@link QmpMessageParser} and classified into a {@link QmpMessage} (tokenizing, building the
 * JSON tree, classification). This is the per-message cost every reply and every event pays on
 * the connection's single I/O thread, so it bounds how many events one thread can take in.
 * Target: at most 1.5 us for messages up to 500 bytes.
 *
 * <p>One parser is reused for all messages, as on a connection; the wrapping {@link ByteBuffer} is
 * made per message because Netty's {@code ByteBuf.nioBuffer()} makes one per read too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DecodeBenchmark {

    /** A sample under {@code samples/}: a query-status return, a block job event, a block node list. */
    @Param({"query-status.return", "BLOCK_JOB_COMPLETED.event", "query-named-block-nodes.return"})
    public String message;

    private byte[] bytes;
    private QmpMessageParser parser;
    private Consumer<QmpMessage> sink;
    private QmpMessage decoded;

    @Setup
    public void setup() {
        bytes = Samples.wire(message);
        parser = new QmpMessageParser(64L << 20);
        sink = m -> decoded = m;
        QmpMessage first = decode();
        boolean expected = message.endsWith(".event") ? first instanceof QmpMessage.Event : first instanceof QmpMessage.Return;
        if (!expected) {
            throw new IllegalStateException("sample " + message + " decoded as " + first);
        }
    }

    @Benchmark
    public QmpMessage decode() {
        parser.feed(ByteBuffer.wrap(bytes), sink);
        QmpMessage m = decoded;
        decoded = null;
        return m;
    }
}
