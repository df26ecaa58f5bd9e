package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.VirtualMachineDtos;

/**
 * The one place the spec reader calls KubeVirt's and CDI's admission rules that are not applied
 * while converting: one class per area ({@link DiskAdmission}, {@link VolumeAdmission},
 * {@link KernelBootAdmission}, {@link DataVolumeTemplateAdmission}, {@link DataVolumeAdmission}),
 * each reading the wire records and adding to the same {@link Problems}, so every problem of a spec
 * is reported in one pass whichever rule found it. The converters still apply the rules that decide
 * a value they build (a bus, a block size, a source).
 */
final class Admission {

    private Admission() {
    }

    /** A VMI spec ({@code spec}, or a VirtualMachine's {@code spec.template.spec}) at {@code p}. */
    static void vmi(Problems problems, VirtualMachineDtos.VmiSpec spec, String p) {
        String devices = p + ".domain.devices";
        if (spec.domain().devices() != null) {
            DiskAdmission.validate(problems, spec.domain().devices().disks(), devices + ".disks");
        }
        VolumeAdmission.validate(problems, spec.volumes(), p + ".volumes");
    }
}
