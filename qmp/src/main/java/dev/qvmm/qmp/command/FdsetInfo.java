package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** One fd set of {@code query-fdsets}. */
public record FdsetInfo(@JsonProperty("fdset-id") int fdsetId, List<FdsetFdInfo> fds) {
}
