/**
 * The QMP wire format: bytes to {@link dev.qvmm.qmp.wire.QmpMessage} and commands to bytes.
 * Public so that benchmarks and other transports can use the codec alone; most users want
 * {@link dev.qvmm.qmp.QmpClient}.
 */
package dev.qvmm.qmp.wire;
