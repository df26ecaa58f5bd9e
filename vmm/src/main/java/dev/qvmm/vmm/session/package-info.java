/**
 * Running VMs: {@link dev.qvmm.vmm.session.VmSession} owns one QEMU and its QMP connection and
 * keeps the VM's {@link dev.qvmm.vmm.session.VmState} from QEMU's events and exit.
 */
package dev.qvmm.vmm.session;
