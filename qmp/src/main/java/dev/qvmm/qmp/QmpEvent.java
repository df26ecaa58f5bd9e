package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/** An asynchronous QMP event: its name (STOP, BLOCK_IO_ERROR, ...), data and QEMU's timestamp. */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {
}
