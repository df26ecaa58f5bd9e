package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Cache mode of a block node: {@code direct} is O_DIRECT, {@code writeback} the host page cache. */
public record BlockdevCache(boolean writeback, boolean direct, @JsonProperty("no-flush") boolean noFlush) {
}
