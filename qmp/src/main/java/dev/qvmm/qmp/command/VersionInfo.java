package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.qvmm.qmp.QemuVersion;

/** The reply of {@code query-version}. */
public record VersionInfo(QemuVersion qemu, @JsonProperty("package") String packageName) {
}
