/** Read-only probes of the host that planning needs: accelerator, O_DIRECT, QEMU version. */
package dev.qvmm.vmm.host;
