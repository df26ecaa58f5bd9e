package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.VolumeDtos;
import java.util.List;
import java.util.Optional;

/**
 * KubeVirt's volume admission rules that span volumes, or name a source qvmm does not run: at most
 * one {@code serviceAccount} and one {@code downwardMetrics} volume (KubeVirt's validateVolumes), and
 * the sources KubeVirt knows that a bare host cannot honour, each refused by name with the reason,
 * never as "no source". Per-source rules (paths, sizes, cloud-init data) are applied where
 * {@link VolumeConverter} converts each source.
 */
final class VolumeAdmission {

    private VolumeAdmission() {
    }

    static void validate(Problems problems, List<VolumeDtos.Volume> volumes, String path) {
        if (volumes == null) {
            return;
        }
        int serviceAccounts = 0;
        int downwardMetrics = 0;
        for (int i = 0; i < volumes.size(); i++) {
            VolumeDtos.Volume v = volumes.get(i);
            if (v == null) {
                continue;
            }
            String p = Problems.index(path, i);
            unsupported(v).ifPresent(u -> problems.error(p + "." + u.source(), SpecProblem.Rule.UNSUPPORTED_SOURCE,
                    "volume \"" + v.name() + "\" is a " + u.source() + ", which qvmm does not run: " + u.why()));
            serviceAccounts += v.serviceAccount() != null ? 1 : 0;
            downwardMetrics += v.downwardMetrics() != null ? 1 : 0;
        }
        if (serviceAccounts > 1) {
            problems.error(path, SpecProblem.Rule.SINGLE_VOLUME_KIND, serviceAccounts
                    + " serviceAccount volumes; a VM may have one (KubeVirt's rule): keep one");
        }
        if (downwardMetrics > 1) {
            problems.error(path, SpecProblem.Rule.SINGLE_VOLUME_KIND, downwardMetrics
                    + " downwardMetrics volumes; a VM may have one (KubeVirt's rule): keep one");
        }
    }

    /** A KubeVirt volume source qvmm refuses, and why. */
    record Unsupported(String source, String why) {
    }

    /** The first source of {@code v} that qvmm does not run, if any; {@link VolumeConverter} skips such a volume. */
    static Optional<Unsupported> unsupported(VolumeDtos.Volume v) {
        if (v.sysprep() != null) {
            return Optional.of(new Unsupported("sysprep", "it answers Windows Setup from a ConfigMap or Secret; put "
                    + "autounattend.xml in a configMap or secret volume attached as a cdrom instead"));
        }
        if (v.downwardAPI() != null) {
            return Optional.of(new Unsupported("downwardAPI", "it exposes the virt-launcher pod's labels and annotations, "
                    + "and a bare host has no pod; put the values in a configMap volume instead"));
        }
        if (v.memoryDump() != null) {
            return Optional.of(new Unsupported("memoryDump", "it is filled by virtctl memory-dump, which needs KubeVirt; "
                    + "remove the volume"));
        }
        if (v.containerPath() != null) {
            return Optional.of(new Unsupported("containerPath", "it shares a path of the virt-launcher pod, and a bare host "
                    + "has no pod; share a host directory with a persistentVolumeClaim filesystem instead"));
        }
        return Optional.empty();
    }
}
