package dev.qvmm.vmm.daemon;

import io.netty.handler.codec.http.HttpDecoderConfig;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one API server lets its clients hold: connections, request heads and bodies, the time to
 * send them, and the threads that read specs. Every bound answers with its own status (413, 414,
 * 431, 408, 503) and closes the connection, so a client that goes over one cannot make the
 * daemon wait for it or buffer for it.
 *
 * <p>Hazard: the body budget is shared by every connection and given back only when a
 * connection closes; the API closes every connection after its answer, so that is soon.
 */
final class ApiLimits implements AutoCloseable {

    /**
     * The largest request body. A VM spec with its ConfigMaps and Secrets is a few KiB, the
     * largest example in examples/ under 10 KiB; 4 MiB leaves room for inline cloud-init user data
     * and is the order the spec reader bounds its YAML to.
     */
    static final int MAX_BODY_BYTES = 4 << 20;
    /** The longest request line (method, URI, version): a real API URI is under 300 bytes. */
    static final int MAX_REQUEST_LINE_BYTES = 8 << 10;
    /** All header lines together. */
    static final int MAX_HEADER_BYTES = 16 << 10;
    /**
     * Connections at once; beyond it a new connection is answered 503 at once and closed. Idle
     * connections cost a few KiB each, so the cap is above what the timeouts let a slowloris client
     * hold in the time it takes to open them (400 half-open ones leave the API answering).
     */
    static final int MAX_CONNECTIONS = 1024;
    /** Body bytes of every connection together, before they are handled; 16 bodies of the largest size. */
    static final long BODY_BUDGET_BYTES = 16L * MAX_BODY_BYTES;
    /** From connect to the end of the request head, however slowly it trickles (slowloris). */
    static final Duration HEADER_TIMEOUT = Duration.ofSeconds(10);
    /** The longest silence while a request body is still arriving. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** From connect to the end of the body: a 4 MiB body takes milliseconds on a local socket. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Threads that read request bodies: half the cores, at least one. Spec parsing is CPU work
     * that allocates about 50 times the spec's size (measured: a 2.5 MiB spec, about 140 MiB);
     * the other half of the cores stays with the event loop and the collector, so GET /v1/vms
     * answers while specs are read (measured on 2 cores: two workers let it take 2.8 s, one 0.4 s).
     */
    static final int WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    /** Requests waiting for a worker; beyond it the request is answered 503. */
    static final int WORK_QUEUE = 16;
    /** The longest grace period {@code ?grace=} may ask for: a day. */
    static final long MAX_GRACE_SECONDS = 86_400;

    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final ThreadPoolExecutor work = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(WORK_QUEUE), r -> Thread.ofPlatform().daemon(true).name("qvmm-api-work").unstarted(r),
            new ThreadPoolExecutor.AbortPolicy());

    static HttpDecoderConfig decoderConfig() {
        return new HttpDecoderConfig().setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES).setMaxHeaderSize(MAX_HEADER_BYTES)
                .setMaxChunkSize(64 << 10);
    }

    /** Counts a new connection; false when it is one too many (the caller refuses it). */
    boolean connect() {
        return connections.incrementAndGet() <= MAX_CONNECTIONS;
    }

    void disconnect() {
        connections.decrementAndGet();
    }

    /** Takes {@code bytes} of the body budget; false (nothing taken) when they do not fit. */
    boolean reserve(long bytes) {
        long now = bodyBytes.addAndGet(bytes);
        if (now > BODY_BUDGET_BYTES) {
            bodyBytes.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    void release(long bytes) {
        bodyBytes.addAndGet(-bytes);
    }

    /** The bounded pool request bodies are read on; it rejects work (RejectedExecutionException) when full. */
    ExecutorService work() {
        return work;
    }

    @Override
    public void close() {
        work.shutdownNow();
    }
}
