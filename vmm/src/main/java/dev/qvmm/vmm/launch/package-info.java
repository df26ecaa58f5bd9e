/**
 * Starting QEMU: the run directory, the argv qvmm adds to the plan's, and the process under
 * Commons Exec.
 */
package dev.qvmm.vmm.launch;
