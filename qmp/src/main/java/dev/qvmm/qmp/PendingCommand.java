package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/** One command from submission to reply. Fields other than the final ones are event-loop only. */
final class PendingCommand {

    final long id;
    final String command;
    final boolean oob;
    final byte[] bytes;
    /** A file descriptor to send with the command, or -1. */
    final int fd;
    final Duration timeout;
    final long startNanos;
    final CompletableFuture<JsonNode> future = new CompletableFuture<>();

    ScheduledFuture<?> timer;
    /** Written to the socket: a reply will come and occupies a slot of the in-band window. */
    boolean sent;

    PendingCommand(long id, String command, boolean oob, byte[] bytes, int fd, Duration timeout, long startNanos) {
        this.id = id;
        this.command = command;
        this.oob = oob;
        this.bytes = bytes;
        this.fd = fd;
        this.timeout = timeout;
        this.startNanos = startNanos;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
