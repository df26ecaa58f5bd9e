package dev.qvmm.vmm.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VhostmdDiskWriterTest {

    static final Pattern TIME = Pattern.compile("<name>Time</name>\\s*<value>(\\d+)</value>");

    /** The disk as a vhostmd reader sees it: header fields and the body. */
    record Disk(byte[] signature, int busy, int checksum, int length, String body) {
        static Disk read(Path p) throws Exception {
            byte[] all = Files.readAllBytes(p);
            ByteBuffer b = ByteBuffer.wrap(all);
            byte[] sig = new byte[4];
            b.get(sig);
            int busy = b.getInt();
            int sum = b.getInt();
            int len = b.getInt();
            return new Disk(sig, busy, sum, len, new String(all, 16, len, StandardCharsets.UTF_8));
        }

        long time() {
            Matcher m = TIME.matcher(body);
            assertTrue(m.find(), body);
            return Long.parseLong(m.group(1));
        }
    }

    @Test
    void theDiskIsVhostmdsFormatAndIsRewrittenInPlaceEveryFiveSeconds(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("metrics.raw");
        MetricsCollector c = new MetricsCollector(FakeProc.create(dir.resolve("proc"), 7), new TickingClock(), "qvmm test", 2,
                1L << 30);
        VhostmdDiskWriter w = VhostmdDiskWriter.start("metrics", disk, c);
        try {
            assertEquals(VhostmdDiskWriter.SIZE, Files.size(disk));
            Disk first = Disk.read(disk);
            assertArrayEquals("mvbd".getBytes(StandardCharsets.US_ASCII), first.signature());
            assertEquals(0, first.busy());
            assertEquals(first.body().getBytes(StandardCharsets.UTF_8).length, first.length());
            assertEquals(VhostmdDiskWriter.checksum(first.body().getBytes(StandardCharsets.UTF_8)), first.checksum());
            assertTrue(first.body().startsWith("<metrics>") && first.body().endsWith("</metrics>"), first.body());
            Object inode = Files.getAttribute(disk, "unix:ino");

            // The rewrite is a timer's; the file offers no event to wait on, so poll with a deadline.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
            Disk next = first;
            while (next.time() == first.time() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                next = Disk.read(disk);
            }
            assertNotEquals(first.time(), next.time(), "Time did not change within 12 s");
            assertEquals(VhostmdDiskWriter.checksum(next.body().getBytes(StandardCharsets.UTF_8)), next.checksum());
            assertEquals(inode, Files.getAttribute(disk, "unix:ino"), "rewritten in place, not replaced");
            assertEquals(VhostmdDiskWriter.SIZE, Files.size(disk));
        } finally {
            w.close();
        }
        assertFalse(w.failure().isDone());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("downward-metrics-metrics")),
                "the writer's thread ends with close()");
        w.close(); // twice is fine
    }

    @Test
    void aShorterBodyLeavesNoTailOfTheLongerOne(@TempDir Path dir) throws Exception {
        byte[] body = "<metrics></metrics>".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer h = VhostmdDiskWriter.header(body);
        assertEquals(16, h.remaining());
        byte[] bytes = new byte[16];
        h.get(bytes);
        assertArrayEquals(new byte[] {'m', 'v', 'b', 'd', 0, 0, 0, 0}, Arrays.copyOf(bytes, 8));
        assertEquals(VhostmdDiskWriter.checksum(body), ByteBuffer.wrap(bytes, 8, 4).getInt());
        assertEquals(body.length, ByteBuffer.wrap(bytes, 12, 4).getInt());
        assertEquals(0xff + 1, VhostmdDiskWriter.checksum(new byte[] {(byte) 0xff, 1}), "bytes count unsigned");
    }

    @Test
    void anExistingFileIsNotTakenOver(@TempDir Path dir) throws Exception {
        Path disk = Files.writeString(dir.resolve("metrics.raw"), "someone's");
        MetricsCollector c = new MetricsCollector(FakeProc.create(dir.resolve("proc"), 7), new TickingClock(), "t", 1, 1 << 20);
        assertThrows(FileAlreadyExistsException.class, () -> VhostmdDiskWriter.start("metrics", disk, c));
        assertEquals("someone's", Files.readString(disk));
    }
}
