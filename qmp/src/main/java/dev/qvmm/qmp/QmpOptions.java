package dev.qvmm.qmp;

import io.netty.channel.EventLoopGroup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Settings of one {@link QmpClient}. Immutable; {@link #defaults()} are what {@code connect(Path)}
 * uses. A zero {@link Duration} as a timeout means "no deadline".
 */
public final class QmpOptions {

    private final Duration connectTimeout;
    private final Map<CommandClass, Duration> classTimeouts;
    private final Map<String, Duration> commandTimeouts;
    private final int maxInFlight;
    private final int maxQueued;
    private final int eventBufferSize;
    private final long maxMessageBytes;
    private final boolean enableOob;
    private final Path wireLog;
    private final EventLoopGroup eventLoopGroup;
    private final Executor eventExecutor;

    private QmpOptions(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.classTimeouts = Map.copyOf(b.classTimeouts);
        this.commandTimeouts = Map.copyOf(b.commandTimeouts);
        this.maxInFlight = b.maxInFlight;
        this.maxQueued = b.maxQueued;
        this.eventBufferSize = b.eventBufferSize;
        this.maxMessageBytes = b.maxMessageBytes;
        this.enableOob = b.enableOob;
        this.wireLog = b.wireLog;
        this.eventLoopGroup = b.eventLoopGroup;
        this.eventExecutor = b.eventExecutor;
    }

    public static QmpOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The deadline for {@code command}: a per-command override, else its {@link CommandClass}'s. */
    public Duration timeoutFor(String command) {
        Duration d = commandTimeouts.get(command);
        return d != null ? d : classTimeouts.get(CommandClass.of(command));
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** In-band commands written to QEMU before their replies; QEMU stops reading at 8 queued. */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** Commands awaiting replies (written or queued in the client) before callers must wait. */
    public int maxQueued() {
        return maxQueued;
    }

    /** Events buffered per subscription before it overflows (the default; subscribe can set its own). */
    public int eventBufferSize() {
        return eventBufferSize;
    }

    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    public boolean enableOob() {
        return enableOob;
    }

    /** A file that receives every message in both directions with a timestamp, or null. */
    public Path wireLog() {
        return wireLog;
    }

    /** The epoll event loop group to use, or null for the process-wide shared one. */
    public EventLoopGroup eventLoopGroup() {
        return eventLoopGroup;
    }

    /** Where event listeners run, or null for a virtual thread per delivery run. */
    public Executor eventExecutor() {
        return eventExecutor;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.connectTimeout = connectTimeout;
        b.classTimeouts.putAll(classTimeouts);
        b.commandTimeouts.putAll(commandTimeouts);
        b.maxInFlight = maxInFlight;
        b.maxQueued = maxQueued;
        b.eventBufferSize = eventBufferSize;
        b.maxMessageBytes = maxMessageBytes;
        b.enableOob = enableOob;
        b.wireLog = wireLog;
        b.eventLoopGroup = eventLoopGroup;
        b.eventExecutor = eventExecutor;
        return b;
    }

    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(5);
        private final Map<CommandClass, Duration> classTimeouts = new EnumMap<>(Map.of(
                CommandClass.QUERY, Duration.ofSeconds(5),
                CommandClass.CHANGE, Duration.ofSeconds(60),
                CommandClass.JOB, Duration.ZERO,
                CommandClass.OTHER, Duration.ofSeconds(30)));
        private final Map<String, Duration> commandTimeouts = new HashMap<>();
        private int maxInFlight = 4;
        private int maxQueued = 1024;
        private int eventBufferSize = 65_536;
        private long maxMessageBytes = 64L << 20;
        private boolean enableOob = true;
        private Path wireLog;
        private EventLoopGroup eventLoopGroup;
        private Executor eventExecutor;

        private Builder() {
        }

        /** Deadline to connect the socket and read QEMU's greeting. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = nonNegative("connectTimeout", d);
            return this;
        }

        public Builder timeout(CommandClass commandClass, Duration d) {
            classTimeouts.put(Objects.requireNonNull(commandClass), nonNegative("timeout(" + commandClass + ")", d));
            return this;
        }

        public Builder timeout(String command, Duration d) {
            commandTimeouts.put(Objects.requireNonNull(command), nonNegative("timeout(" + command + ")", d));
            return this;
        }

        public Builder maxInFlight(int n) {
            if (n < 1 || n > 7) {
                throw new IllegalArgumentException("maxInFlight " + n + " is outside 1..7: QEMU stops reading its monitor at 8 queued in-band commands, which would block exec-oob");
            }
            this.maxInFlight = n;
            return this;
        }

        public Builder maxQueued(int n) {
            this.maxQueued = positive("maxQueued", n);
            return this;
        }

        public Builder eventBufferSize(int n) {
            this.eventBufferSize = positive("eventBufferSize", n);
            return this;
        }

        public Builder maxMessageBytes(long n) {
            if (n < 1024) {
                throw new IllegalArgumentException("maxMessageBytes " + n + " is below 1024; query-qmp-schema alone is ~200 KB");
            }
            this.maxMessageBytes = n;
            return this;
        }

        public Builder enableOob(boolean on) {
            this.enableOob = on;
            return this;
        }

        public Builder wireLog(Path file) {
            this.wireLog = file;
            return this;
        }

        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = group;
            return this;
        }

        public Builder eventExecutor(Executor executor) {
            this.eventExecutor = executor;
            return this;
        }

        public QmpOptions build() {
            return new QmpOptions(this);
        }

        private static Duration nonNegative(String what, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be zero (no deadline) or positive, got " + d);
            }
            return d;
        }

        private static int positive(String what, int n) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be at least 1, got " + n);
            }
            return n;
        }
    }
}
