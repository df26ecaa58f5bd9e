package dev.qvmm.vmm.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * qvmm's model of one VM, validated and defaulted, free of YAML and Kubernetes. Built only by
 * {@link SpecReader}; once built nothing re-checks it.
 *
 * @param name            metadata.name
 * @param machineType     the QEMU machine type (q35 or a pc-q35-* version)
 * @param memoryBytes     guest RAM
 * @param ioThreadsPolicy empty when no iothreads were asked for
 * @param disks           in spec order
 * @param dataVolumes     DataVolumes of the stream and of dataVolumeTemplates, by name
 * @param objects         ConfigMaps, Secrets (with their data), ServiceAccounts, StorageClasses in the stream
 * @param hostname        the guest's host name: spec.hostname, or the name up to its first dot, at most 63 characters
 * @param downwardMetricsPort {@code devices.downwardMetrics: {}}: the vhostmd virtio-serial port {@code org.github.vhostmd.1}
 * @param runStrategy     a VirtualMachine's; empty for a VirtualMachineInstance (which runs once)
 * @param filesystemFailurePolicy what a virtiofsd exiting while the VM runs does to it (annotation {@value FilesystemFailurePolicy#ANNOTATION})
 * @param interfaces      the guest's NICs in spec order (KubeVirt's default interface when the spec names none)
 * @param firmware        bootloader (SeaBIOS or OVMF), SMBIOS uuid/serial and SMM
 */
public record VmSpec(String name, String namespace, String apiVersion, String machineType, CpuTopology cpu,
                     long memoryBytes, Optional<IoThreadsPolicy> ioThreadsPolicy, boolean blockMultiQueue,
                     List<DiskSpec> disks, List<FilesystemSpec> filesystems, Optional<KernelBoot> kernelBoot,
                     Optional<RunStrategy> runStrategy, OptionalLong terminationGracePeriodSeconds,
                     Map<String, DataVolumeSpec> dataVolumes, StreamObjects objects,
                     String hostname, boolean downwardMetricsPort, FilesystemFailurePolicy filesystemFailurePolicy,
                     List<InterfaceSpec> interfaces, Firmware firmware) {

    public VmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(machineType, "machineType");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(filesystemFailurePolicy, "filesystemFailurePolicy");
        Objects.requireNonNull(firmware, "firmware");
        disks = List.copyOf(disks);
        filesystems = List.copyOf(filesystems);
        dataVolumes = Map.copyOf(dataVolumes);
        interfaces = List.copyOf(interfaces);
    }
}
