package dev.qvmm.vmm.storage;

/**
 * Where a disk added to a running VM goes: the empty {@code pcie-root-port} a virtio disk is
 * plugged into, or the LUN it takes on the VM's virtio-scsi controller.
 */
public sealed interface HotplugSlot {

    record RootPort(String port) implements HotplugSlot {
    }

    record ScsiLun(String controller, int lun) implements HotplugSlot {
    }
}
