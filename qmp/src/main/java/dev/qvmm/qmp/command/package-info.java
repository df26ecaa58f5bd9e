/**
 * QMP commands as types: one record per QAPI command ({@link dev.qvmm.qmp.command.BlockdevAdd},
 * {@link dev.qvmm.qmp.command.DeviceDel}, ...) and records for their replies. Run them with
 * {@link dev.qvmm.qmp.QmpClient#execute(QmpCommand)}.
 */
package dev.qvmm.qmp.command;
