/**
 * KubeVirt spec front-end: {@link dev.qvmm.vmm.spec.SpecReader} reads a YAML/JSON stream
 * (VirtualMachineInstance or VirtualMachine, kubevirt.io/v1 or v1alpha1, plus ConfigMap, Secret,
 * ServiceAccount, PersistentVolumeClaim, PersistentVolume, StorageClass, DataVolume) through the
 * wire records of {@code dto}, applies KubeVirt's amd64 defaults and admission rules (every problem
 * in one pass, each with its field path and {@link dev.qvmm.vmm.spec.SpecProblem.Rule}), reports
 * unknown fields as {@link dev.qvmm.vmm.spec.SpecWarning}s, and yields an immutable
 * {@link dev.qvmm.vmm.spec.VmSpec} with sealed {@link dev.qvmm.vmm.spec.VolumeSource}s and a
 * {@link dev.qvmm.vmm.spec.Firmware} (SeaBIOS or OVMF, SMBIOS uuid/serial, SMM).
 */
package dev.qvmm.vmm.spec;
