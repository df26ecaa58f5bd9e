package dev.qvmm.vmm.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The port's host side, spoken to as QEMU's chardev would relay the guest's bytes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VhostmdPortServerTest {

    static VhostmdPortServer server(Path dir) throws Exception {
        MetricsCollector c = new MetricsCollector(FakeProc.create(dir.resolve("proc"), 7), new TickingClock(), "qvmm test", 2,
                1L << 30);
        return VhostmdPortServer.start("downwardMetrics", dir.resolve("vhostmd.sock"), c);
    }

    /** Sends {@code request} and reads one answer: everything up to and including the first empty line. */
    static String ask(SocketChannel ch, String request) throws Exception {
        ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (!got.toString(StandardCharsets.UTF_8).endsWith("\n\n")) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new AssertionError("connection closed after " + got);
            }
            got.write(one.array(), 0, 1);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    @Test
    void answersTheXmlRequestRefusesOthersAndAnswersAtMostOncePerSecond(@TempDir Path dir) throws Exception {
        try (VhostmdPortServer s = server(dir);
             SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(s.socket()));
            // Each answer is sent a second or more after the one before, which was sent after its
            // request was written (w): so answer n+1 arrives at least a second after request n was
            // written, however late this thread reads (arrival times alone jitter under load).
            long w1 = System.nanoTime();
            String xml = ask(ch, "GET /metrics/XML\n\n");
            long t1 = System.nanoTime();
            assertTrue(xml.startsWith("<metrics>\n") && xml.endsWith("</metrics>\n\n"), xml);
            assertTrue(xml.contains("<name>ResourceProcessorLimit</name>"), xml);
            long w2 = System.nanoTime();
            assertEquals("INVALID REQUEST\n\n", ask(ch, "GET /metrics/JSON\n\n"));
            long t2 = System.nanoTime();
            // Two requests in one write: both answered, in order, a second apart.
            long w3 = System.nanoTime();
            assertTrue(ask(ch, "GET /metrics/XML\n\nnonsense\n\n").endsWith("</metrics>\n\n"));
            long t3 = System.nanoTime();
            assertEquals("INVALID REQUEST\n\n", ask(ch, ""));
            long t4 = System.nanoTime();
            for (long gap : new long[] {t2 - w1, t3 - w2, t4 - w3}) {
                assertTrue(gap >= TimeUnit.MILLISECONDS.toNanos(950), "answers " + gap / 1_000_000 + " ms apart");
            }
            assertTrue(t1 - w1 < TimeUnit.MILLISECONDS.toNanos(900), "the first answer is not delayed");
        }
    }

    @Test
    void anEndlessRequestIsInvalidAndTheConnectionGoesOn(@TempDir Path dir) throws Exception {
        try (VhostmdPortServer s = server(dir);
             SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(s.socket()));
            assertEquals("INVALID REQUEST\n\n", ask(ch, "x".repeat(VhostmdPortServer.MAX_REQUEST + 10)));
            assertTrue(ask(ch, "GET /metrics/XML\n\n").endsWith("</metrics>\n\n"));
        }
    }

    @Test
    void aDroppedConnectionIsServedAgainAndCloseLeavesNothing(@TempDir Path dir) throws Exception {
        VhostmdPortServer s = server(dir);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(s.socket()));
            assertTrue(ask(ch, "GET /metrics/XML\n\n").endsWith("</metrics>\n\n"));
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(s.socket()));
            assertTrue(ask(ch, "GET /metrics/XML\n\n").endsWith("</metrics>\n\n"));
            // close() while a client is connected and idle: its read ends, the thread goes.
            s.close();
            ByteBuffer b = ByteBuffer.allocate(16);
            assertEquals(-1, ch.read(b), "the connection is closed by close()");
        }
        assertFalse(Files.exists(s.socket()), "the socket file goes with close()");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("vhostmd-port")));
        assertFalse(s.failure().isDone());
        s.close();
    }
}
