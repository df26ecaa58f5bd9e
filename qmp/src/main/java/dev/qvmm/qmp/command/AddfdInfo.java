package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The reply of {@code add-fd}: the fd set and the descriptor number inside QEMU. */
public record AddfdInfo(@JsonProperty("fdset-id") int fdsetId, int fd) {
}
