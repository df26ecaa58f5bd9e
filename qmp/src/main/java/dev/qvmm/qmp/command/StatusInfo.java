package dev.qvmm.qmp.command;


/** The reply of {@code query-status}. {@code status} is QAPI's RunState name. */
public record StatusInfo(boolean running, String status) {
}
