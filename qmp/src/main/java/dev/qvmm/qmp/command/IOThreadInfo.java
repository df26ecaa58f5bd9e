package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One iothread object of {@code query-iothreads}. */
public record IOThreadInfo(String id, @JsonProperty("thread-id") long threadId, @JsonProperty("poll-max-ns") long pollMaxNs, @JsonProperty("poll-grow") long pollGrow, @JsonProperty("poll-shrink") long pollShrink, @JsonProperty("aio-max-batch") long aioMaxBatch) {
}
