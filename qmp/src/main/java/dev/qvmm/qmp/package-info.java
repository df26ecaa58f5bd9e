/**
 * qvmm-qmp: a complete client for QEMU's machine protocol over a Unix domain socket.
 *
 * <p>{@link dev.qvmm.qmp.QmpClient#connect} negotiates capabilities (out-of-band execution when
 * offered); {@link dev.qvmm.qmp.QmpClient#execute} runs raw or typed commands from any number of
 * threads, each matched to its reply by id; {@link dev.qvmm.qmp.QmpClient#subscribe} and
 * {@link dev.qvmm.qmp.QmpClient#awaitEvent} deliver events in order; file descriptors travel with
 * {@code getfd}/{@code add-fd}. Failures are {@link dev.qvmm.qmp.QmpException}s with a stable
 * {@link dev.qvmm.qmp.QmpException.Kind}. Commands: {@link dev.qvmm.qmp.command}; the wire codec
 * on its own: {@link dev.qvmm.qmp.wire}.
 */
package dev.qvmm.qmp;
