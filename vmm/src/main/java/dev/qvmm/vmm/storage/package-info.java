/**
 * Storage planning, a pure function: {@link dev.qvmm.vmm.storage.StoragePlanner#plan} turns a
 * {@link dev.qvmm.vmm.spec.VmSpec}, {@link dev.qvmm.vmm.storage.HostFacts} and
 * {@link dev.qvmm.vmm.storage.QemuCapabilities} into a {@link dev.qvmm.vmm.storage.StoragePlan}:
 * block node chains, frontend devices, controllers and PCIe root ports, iothreads by KubeVirt's
 * algorithm ({@link dev.qvmm.vmm.storage.IoThreadAllocator}), and the
 * {@link dev.qvmm.vmm.storage.Artifact}s to prepare, and the firmware
 * ({@link dev.qvmm.vmm.storage.FirmwarePlan}: OVMF picked from QEMU's
 * {@link dev.qvmm.vmm.storage.FirmwareDescriptor}s, which are host facts). {@link dev.qvmm.vmm.storage.ArgvRenderer}
 * prints the QEMU argv, {@link dev.qvmm.vmm.storage.PlanJson} the structured plan. Nothing here
 * reads or changes the host.
 */
package dev.qvmm.vmm.storage;
