package dev.qvmm.vmm.spec.dto;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Wire records of KubeVirt's {@code VirtualMachineInstance} and {@code VirtualMachine}
 * (kubevirt.io/v1, and v1alpha1 whose {@code VirtualMachine} is shaped like a v1 VMI). Every field
 * is nullable: presence and defaults are decided when converting into {@code VmSpec}.
 */
public final class VirtualMachineDtos {

    private VirtualMachineDtos() {
    }

    /** A VirtualMachineInstance (or a v1alpha1 VirtualMachine). */
    public record Vmi(String apiVersion, String kind, Meta metadata, VmiSpec spec, JsonNode status) {
    }

    /** A kubevirt.io/v1 VirtualMachine: a VMI template plus run strategy and DataVolume templates. */
    public record Vm(String apiVersion, String kind, Meta metadata, VmSpecDto spec, JsonNode status) {
    }

    public record VmSpecDto(Boolean running, String runStrategy, Template template,
                            List<K8sObjectDtos.DataVolume> dataVolumeTemplates) {
    }

    public record Template(Meta metadata, VmiSpec spec) {
    }

    /**
     * {@code spec} of a VMI. Scheduling and networking fields are accepted (they mean nothing on a
     * single host) and reported as ignored rather than unknown.
     */
    public record VmiSpec(DomainDtos.Domain domain, List<VolumeDtos.Volume> volumes, Long terminationGracePeriodSeconds,
                          List<NetworkDtos.Network> networks, JsonNode affinity, JsonNode nodeSelector, JsonNode tolerations,
                          String hostname, String subdomain, String evictionStrategy) {
    }
}
