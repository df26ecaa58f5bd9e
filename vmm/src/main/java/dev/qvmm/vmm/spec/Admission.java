package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.K8sObjectDtos;
import dev.qvmm.vmm.spec.dto.VirtualMachineDtos;

/**
 * The one place the spec reader calls KubeVirt's and CDI's admission rules that are not applied
 * while converting: one class per area ({@link DiskAdmission}, {@link FilesystemAdmission}, {@link VolumeAdmission},
 * {@link DataVolumeTemplateAdmission}, {@link DataVolumeAdmission}),
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
            FilesystemAdmission.validate(problems, spec.domain().devices().filesystems(), devices + ".filesystems");
        }
        VolumeAdmission.validate(problems, spec.volumes(), p + ".volumes");
    }

    /** A VirtualMachine's own spec (its dataVolumeTemplates), in namespace {@code namespace}. */
    static void vm(Problems problems, VirtualMachineDtos.VmSpecDto spec, String namespace) {
        DataVolumeTemplateAdmission.validate(problems, spec, namespace);
    }

    /**
     * A DataVolume document or template whose fields are at {@code p}, in {@code namespace}; false when its source
     * is refused (and so must not be converted).
     */
    static boolean dataVolume(Problems problems, K8sObjectDtos.DataVolume dv, String p, String namespace) {
        return DataVolumeAdmission.validate(problems, dv, p, namespace);
    }
}
