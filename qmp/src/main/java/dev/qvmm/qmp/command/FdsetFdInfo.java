package dev.qvmm.qmp.command;


/** One descriptor of an fd set. */
public record FdsetFdInfo(int fd, String opaque) {
}
