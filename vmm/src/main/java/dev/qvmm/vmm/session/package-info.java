/**
 * Running VMs: {@link dev.qvmm.vmm.session.VmSession} owns one QEMU and its QMP connection and
 * keeps the VM's {@link dev.qvmm.vmm.session.VmState} from QEMU's events and exit, and
 * supervises its companions (a virtiofsd that exits raises {@code FilesystemFailed}).
 */
package dev.qvmm.vmm.session;
