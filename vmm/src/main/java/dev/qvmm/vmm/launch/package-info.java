/**
 * Starting QEMU: the run directory, the argv qvmm adds to the plan's, and the process under
 * Commons Exec; {@link dev.qvmm.vmm.launch.Companion}s that serve a VM while it runs (a
 * {@link dev.qvmm.vmm.launch.VirtiofsdCompanion} per virtiofs filesystem).
 */
package dev.qvmm.vmm.launch;
