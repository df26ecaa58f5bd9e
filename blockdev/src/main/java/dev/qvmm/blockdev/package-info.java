/**
 * qvmm-blockdev: the blockdev graph and the devices over it, rendered once.
 *
 * <ul>
 * <li>{@link dev.qvmm.blockdev.BlockNode} (sealed: file, host_device, raw, qcow2) with
 *     {@link dev.qvmm.blockdev.NodeOptions} and a {@link dev.qvmm.blockdev.NodeName} (at most 31
 *     characters, deterministic);</li>
 * <li>{@link dev.qvmm.blockdev.Device} (sealed: virtio-blk-pci, scsi-hd/cd/block, ide-hd/cd,
 *     usb-storage, floppy, vhost-user-fs-pci and the controllers and root ports they sit on);</li>
 * <li>{@link dev.qvmm.blockdev.QemuObject} (iothread, pr-manager-helper, memory-backend-memfd).</li>
 * </ul>
 * Each renders one JSON object with sorted keys ({@link dev.qvmm.blockdev.Json}); the same object
 * is the {@code -blockdev}/{@code -device}/{@code -object} argument and the QMP
 * {@code blockdev-add}/{@code device_add}/{@code object-add} arguments, so cold plug and hot plug
 * cannot drift. Constructors refuse values QEMU would refuse, with a
 * {@link dev.qvmm.blockdev.BlockdevException} whose kind callers switch on.
 */
package dev.qvmm.blockdev;
