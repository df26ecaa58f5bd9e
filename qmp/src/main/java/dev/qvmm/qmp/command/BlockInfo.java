package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One block backend of {@code query-block}: {@code inserted} is null when the drive is empty. */
public record BlockInfo(String device, String qdev, String type, boolean removable, boolean locked, @JsonProperty("tray_open") Boolean trayOpen, @JsonProperty("io-status") String ioStatus, BlockDeviceInfo inserted) {
}
