/**
 * qvmm-blockdev: the blockdev graph (protocol, format and filter nodes), the frontend devices,
 * their one JSON rendering shared by the QEMU command line and QMP, and graph changes applied
 * over a {@link dev.qvmm.qmp.QmpClient}.
 */
package dev.qvmm.blockdev;
