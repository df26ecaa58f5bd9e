/**
 * Jackson wire records mirroring the KubeVirt and Kubernetes YAML, every field nullable. Used only
 * by {@link dev.qvmm.vmm.spec.SpecReader}; nothing else should depend on them.
 */
package dev.qvmm.vmm.spec.dto;
