/**
 * qvmm-virtiofsd-manager: finds virtiofsd on the host ({@link dev.qvmm.virtiofsd.VirtiofsdBinary},
 * which tells the C daemon from the Rust one), starts one daemon per shared filesystem before QEMU
 * on a socket qvmm itself listens on ({@link dev.qvmm.virtiofsd.Virtiofsd}), reports its exit and
 * stops it when the VM ends. No dependency on the rest of qvmm; errors are
 * {@link dev.qvmm.virtiofsd.VirtiofsdException}s with a stable kind.
 */
package dev.qvmm.virtiofsd;
