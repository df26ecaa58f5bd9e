/**
 * {@code scripts/bench startup}: the bare-QEMU baseline that {@code qvmm run --timings} is
 * compared against (exec of the same argv to the QMP greeting).
 */
package dev.qvmm.bench.startup;
