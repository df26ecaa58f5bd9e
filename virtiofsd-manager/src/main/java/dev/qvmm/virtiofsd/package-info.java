/**
 * qvmm-virtiofsd-manager: finds virtiofsd on the host, starts one supervised daemon per shared
 * filesystem before QEMU, and stops it when the VM ends. No dependency on the rest of qvmm.
 */
package dev.qvmm.virtiofsd;
