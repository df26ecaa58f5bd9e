package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.K8sObjectDtos;
import dev.qvmm.vmm.spec.dto.VirtualMachineDtos;
import dev.qvmm.vmm.spec.dto.VolumeDtos;
import java.util.List;
import java.util.Objects;

/**
 * KubeVirt's dataVolumeTemplates rules (pkg/storage/admitters/data-volume-template.go): every
 * template is referenced by a volume of the VM's template (a dataVolume, or a persistentVolumeClaim
 * of the same name), and a template's namespace, when given, is the VM's. The rules every DataVolume
 * shares are {@link DataVolumeAdmission}'s.
 */
final class DataVolumeTemplateAdmission {

    private DataVolumeTemplateAdmission() {
    }

    static void validate(Problems problems, VirtualMachineDtos.VmSpecDto vm, String vmNamespace) {
        List<K8sObjectDtos.DataVolume> templates = vm.dataVolumeTemplates();
        if (templates == null) {
            return;
        }
        List<VolumeDtos.Volume> volumes = vm.template() == null || vm.template().spec() == null
                || vm.template().spec().volumes() == null ? List.of() : vm.template().spec().volumes();
        for (int i = 0; i < templates.size(); i++) {
            K8sObjectDtos.DataVolume t = templates.get(i);
            String p = "spec.dataVolumeTemplates[" + i + "]";
            if (t == null || t.metadata() == null || t.metadata().name() == null || t.metadata().name().isBlank()) {
                continue; // reported as a missing name where the template is converted
            }
            String name = t.metadata().name();
            String ns = t.metadata().namespace();
            if (ns != null && !ns.isEmpty() && !ns.equals(vmNamespace)) {
                problems.error(p + ".metadata.namespace", SpecProblem.Rule.NAMESPACE_MISMATCH, "template \"" + name
                        + "\" is in namespace \"" + ns + "\", not the VM's \"" + vmNamespace + "\"; remove its namespace");
            }
            boolean referenced = volumes.stream().filter(Objects::nonNull).anyMatch(v ->
                    v.dataVolume() != null && name.equals(v.dataVolume().name())
                            || v.persistentVolumeClaim() != null && name.equals(v.persistentVolumeClaim().claimName()));
            if (!referenced) {
                problems.error(p, SpecProblem.Rule.UNREFERENCED_TEMPLATE, "dataVolumeTemplate \"" + name + "\" is not "
                        + "used by any volume of spec.template.spec.volumes; add a dataVolume volume naming it, or remove it");
            }
        }
    }
}
