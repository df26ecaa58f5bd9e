package dev.qvmm.vmm.spec;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Warns of each DataVolume, PersistentVolumeClaim, ConfigMap, Secret and ServiceAccount of the
 * stream that nothing uses, with its kind and name: in Kubernetes such an object would simply sit
 * there, but in one YAML stream given to qvmm it is almost always a misspelt reference (the VM's
 * volume then names an object that is not there). Uses are: the VM's volumes (a
 * {@code persistentVolumeClaim} naming a DataVolume uses the DataVolume), cloud-init's Secrets,
 * and what a used DataVolume needs for its import (its http Secret and CA ConfigMap, the claim it
 * clones). PersistentVolumes and StorageClasses are left alone: they serve claims, not the VM.
 */
final class UnusedObjects {

    private static final List<String> KINDS = List.of("DataVolume", "PersistentVolumeClaim", "ConfigMap", "Secret", "ServiceAccount");

    private UnusedObjects() {
    }

    static void warn(Problems problems, Map<String, Map<String, String>> given, Collection<Volume> volumes,
                     Map<String, DataVolumeSpec> dataVolumes) {
        if (given.isEmpty()) {
            return;
        }
        Set<String> used = new HashSet<>();
        for (Volume v : volumes) {
            switch (v.source()) {
                case VolumeSource.PersistentVolumeClaim c -> used.add("PersistentVolumeClaim/" + c.claim().claimName());
                case VolumeSource.DataVolume d -> useDataVolume(d.name(), dataVolumes, used);
                case VolumeSource.Ephemeral e -> {
                    used.add("PersistentVolumeClaim/" + e.claim().claimName());
                    if (dataVolumes.containsKey(e.claim().claimName())) {
                        useDataVolume(e.claim().claimName(), dataVolumes, used);
                    }
                }
                case VolumeSource.ConfigMap c -> used.add("ConfigMap/" + c.name());
                case VolumeSource.Secret s -> used.add("Secret/" + s.secretName());
                case VolumeSource.ServiceAccount s -> used.add("ServiceAccount/" + s.serviceAccountName());
                case VolumeSource.CloudInitNoCloud c -> useSecrets(c.data(), used);
                case VolumeSource.CloudInitConfigDrive c -> useSecrets(c.data(), used);
                case VolumeSource.ContainerDisk c -> { }
                case VolumeSource.EmptyDisk e -> { }
                case VolumeSource.HostDisk h -> { }
                case VolumeSource.DownwardMetrics d -> { }
            }
        }
        for (String kind : KINDS) {
            given.getOrDefault(kind, Map.of()).forEach((name, prefix) -> {
                if (!used.contains(kind + "/" + name)) {
                    problems.warn(prefix + "metadata.name", kind + " \"" + name + "\" is not used by any volume of the VM"
                            + " and is ignored; name it in a volume (" + how(kind) + ") or leave it out of the stream");
                }
            });
        }
    }

    private static String how(String kind) {
        return switch (kind) {
            case "DataVolume" -> "dataVolume.name or persistentVolumeClaim.claimName";
            case "PersistentVolumeClaim" -> "persistentVolumeClaim.claimName";
            case "ConfigMap" -> "configMap.name";
            case "Secret" -> "secret.secretName or a cloud-init secretRef";
            default -> "serviceAccount.serviceAccountName";
        };
    }

    private static void useDataVolume(String name, Map<String, DataVolumeSpec> dataVolumes, Set<String> used) {
        if (!used.add("DataVolume/" + name)) {
            return;
        }
        DataVolumeSpec dv = dataVolumes.get(name);
        if (dv == null) {
            return;
        }
        switch (dv.source()) {
            case DataVolumeSpec.Http h -> {
                h.secretRef().ifPresent(s -> used.add("Secret/" + s));
                h.certConfigMap().ifPresent(c -> used.add("ConfigMap/" + c));
            }
            case DataVolumeSpec.Clone c -> {
                // The source claim may itself be a DataVolume's (CDI clones a DataVolume by its claim).
                used.add("PersistentVolumeClaim/" + c.claimName());
                if (dataVolumes.containsKey(c.claimName())) {
                    useDataVolume(c.claimName(), dataVolumes, used);
                }
            }
            case DataVolumeSpec.S3 s -> { }
            case DataVolumeSpec.Registry r -> { }
            case DataVolumeSpec.Blank b -> { }
            case DataVolumeSpec.Upload u -> { }
        }
    }

    private static void useSecrets(CloudInitData data, Set<String> used) {
        for (Optional<CloudInitData.Source> s : List.of(data.userData(), data.networkData())) {
            s.filter(CloudInitData.FromSecret.class::isInstance).map(CloudInitData.FromSecret.class::cast)
                    .ifPresent(f -> used.add("Secret/" + f.secret()));
        }
    }
}
