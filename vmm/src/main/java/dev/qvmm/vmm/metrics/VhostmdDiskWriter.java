package dev.qvmm.vmm.metrics;

import dev.qvmm.vmm.launch.Companion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a downwardMetrics disk current: a raw file of {@value #SIZE} bytes in vhostmd's format, a
 * 16-byte big-endian header (signature {@code "mvbd"}, int32 busy flag, int32 checksum = sum of
 * the body's bytes, int32 body length) followed by the {@code <metrics>} XML. Rewritten in place
 * every {@link #PERIOD} on the same file QEMU has open, in the order a reader relies on: busy flag
 * set, body, header with the flag cleared. A reader that sees the flag set, or a checksum that does
 * not match, reads again.
 *
 * <p>Hazards: the guest must read the device with O_DIRECT (or drop its page cache) to see a
 * rewrite; one platform thread per VM does the writing and {@link #close()} stops it.
 */
public final class VhostmdDiskWriter implements Companion {

    /** KubeVirt's disk size. */
    public static final int SIZE = 262144;
    public static final int HEADER = 16;
    public static final byte[] SIGNATURE = "mvbd".getBytes(StandardCharsets.US_ASCII);
    public static final Duration PERIOD = Duration.ofSeconds(5);

    private final String forName;
    private final Path path;
    private final MetricsCollector collector;
    private final FileChannel file;
    private final ScheduledExecutorService timer;
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    private volatile Thread thread;
    private int lastLength;
    private volatile boolean closed;

    private VhostmdDiskWriter(String forName, Path path, MetricsCollector collector, FileChannel file) {
        this.forName = forName;
        this.path = path;
        this.collector = collector;
        this.file = file;
        ThreadFactory threads = Thread.ofPlatform().daemon(true).name("downward-metrics-" + forName).factory();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = threads.newThread(r);
            thread = t;
            return t;
        });
    }

    /**
     * Creates {@code path} (which must not exist), writes the first metrics before returning and
     * then rewrites them every {@link #PERIOD}.
     */
    public static VhostmdDiskWriter start(String forName, Path path, MetricsCollector collector) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        VhostmdDiskWriter w = new VhostmdDiskWriter(forName, path, collector, file);
        try {
            file.truncate(SIZE);
            file.write(ByteBuffer.allocate(1), SIZE - 1);
            w.write();
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
        long ms = PERIOD.toMillis();
        w.timer.scheduleAtFixedRate(w::tick, ms, ms, TimeUnit.MILLISECONDS);
        return w;
    }

    /**
     * Takes over the disk of a VM whose QEMU an earlier qvmm started (a restarted daemon): the file
     * QEMU has open is rewritten in place from now on, never recreated.
     */
    public static VhostmdDiskWriter resume(String forName, Path path, MetricsCollector collector) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        VhostmdDiskWriter w = new VhostmdDiskWriter(forName, path, collector, file);
        try {
            w.write();
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
        long ms = PERIOD.toMillis();
        w.timer.scheduleAtFixedRate(w::tick, ms, ms, TimeUnit.MILLISECONDS);
        return w;
    }

    public Path path() {
        return path;
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

    private void tick() {
        try {
            write();
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                failure.complete("downwardMetrics disk " + path + " could not be rewritten: " + e);
                timer.shutdown();
            }
        }
    }

    private synchronized void write() throws IOException {
        byte[] body = MetricsXml.render(collector.collect()).getBytes(StandardCharsets.UTF_8);
        if (body.length > SIZE - HEADER) {
            throw new IOException("the metrics XML is " + body.length + " bytes; the disk holds " + (SIZE - HEADER));
        }
        writeFully(ByteBuffer.allocate(4).putInt(1).flip(), 4);
        ByteBuffer b = ByteBuffer.allocate(Math.max(body.length, lastLength));
        b.put(body).position(0); // the rest stays zero: no tail of a longer previous body remains
        writeFully(b, HEADER);
        writeFully(header(body), 0);
        lastLength = body.length;
    }

    /** The header of a complete (not busy) disk holding {@code body}. */
    static ByteBuffer header(byte[] body) {
        return ByteBuffer.allocate(HEADER).put(SIGNATURE).putInt(0).putInt(checksum(body)).putInt(body.length).flip();
    }

    /** vhostmd's checksum: the sum of the body's bytes (unsigned), as a 32-bit integer. */
    public static int checksum(byte[] body) {
        int sum = 0;
        for (byte x : body) {
            sum += x & 0xff;
        }
        return sum;
    }

    private void writeFully(ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            pos += file.write(b, pos);
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
            Thread t = thread;
            if (t != null) {
                t.join(Duration.ofSeconds(5)); // terminated means idle, not yet gone
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            file.close();
        } catch (IOException e) {
            // nothing left to flush for a reader; the file goes with the run
        }
    }
}
