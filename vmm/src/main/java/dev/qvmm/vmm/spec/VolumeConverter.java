package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.VolumeDtos;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code spec.volumes[]} into {@link Volume}s: exactly one source each, per-source rules (emptyDisk
 * capacity, hostDisk path/type/capacity), claims looked up in the stream's objects.
 */
final class VolumeConverter {

    private final Problems problems;
    private final Map<String, ClaimInfo> claims;
    private final Map<String, DataVolumeSpec> dataVolumes;
    /** Every volume name seen, valid or not, so a disk naming a broken volume is not also told it is missing. */
    final java.util.Set<String> named = new java.util.HashSet<>();

    VolumeConverter(Problems problems, Map<String, ClaimInfo> claims, Map<String, DataVolumeSpec> dataVolumes) {
        this.problems = problems;
        this.claims = claims;
        this.dataVolumes = dataVolumes;
    }

    /** Volumes by name in spec order; a volume with problems is left out (its problems are recorded). */
    Map<String, Volume> convert(List<VolumeDtos.Volume> volumes, String path) {
        Map<String, Volume> out = new LinkedHashMap<>();
        if (volumes == null) {
            return out;
        }
        for (int i = 0; i < volumes.size(); i++) {
            String p = Problems.index(path, i);
            VolumeDtos.Volume v = volumes.get(i);
            if (v == null) {
                problems.error(p, SpecProblem.Rule.REQUIRED, "empty volume entry");
                continue;
            }
            if (v.name() == null || v.name().isBlank()) {
                problems.error(p + ".name", SpecProblem.Rule.REQUIRED, "every volume needs a name");
                continue;
            }
            named.add(v.name());
            if (VolumeAdmission.unsupported(v).isPresent()) {
                continue;
            }
            if (!ObjectNames.check(problems, p + ".name", ObjectNames.Kind.DEVICE, v.name())) {
                continue;
            }
            if (out.containsKey(v.name())) {
                problems.error(p + ".name", SpecProblem.Rule.DUPLICATE_NAME,
                        "volume name \"" + v.name() + "\" is used by an earlier volume; names must be unique");
                continue;
            }
            source(v, p).ifPresent(s -> out.put(v.name(), new Volume(v.name(), s)));
        }
        return out;
    }

    private Optional<VolumeSource> source(VolumeDtos.Volume v, String p) {
        List<String> present = new ArrayList<>();
        Object[][] all = {{"containerDisk", v.containerDisk()}, {"registryDisk", v.registryDisk()},
                {"ephemeral", v.ephemeral()}, {"emptyDisk", v.emptyDisk()}, {"hostDisk", v.hostDisk()},
                {"persistentVolumeClaim", v.persistentVolumeClaim()}, {"dataVolume", v.dataVolume()},
                {"cloudInitNoCloud", v.cloudInitNoCloud()}, {"cloudInitConfigDrive", v.cloudInitConfigDrive()},
                {"configMap", v.configMap()}, {"secret", v.secret()}, {"serviceAccount", v.serviceAccount()},
                {"downwardMetrics", v.downwardMetrics()}};
        for (Object[] s : all) {
            if (s[1] != null) {
                present.add((String) s[0]);
            }
        }
        if (present.size() != 1) {
            problems.error(p, SpecProblem.Rule.VOLUME_SOURCE_COUNT, "volume \"" + v.name() + "\" must have exactly one source, found "
                    + (present.isEmpty() ? "none" : String.join(", ", present))
                    + "; sources: containerDisk, persistentVolumeClaim, dataVolume, ephemeral, emptyDisk, hostDisk, "
                    + "cloudInitNoCloud, cloudInitConfigDrive, configMap, secret, serviceAccount, downwardMetrics");
            return Optional.empty();
        }
        String key = present.getFirst();
        String sp = p + "." + key;
        return switch (key) {
            case "containerDisk" -> containerDisk(v.containerDisk(), sp);
            case "registryDisk" -> {
                problems.warn(sp, "registryDisk is the v1alpha1 name of containerDisk; read as containerDisk");
                yield containerDisk(v.registryDisk(), sp);
            }
            case "ephemeral" -> ephemeral(v.ephemeral(), sp);
            case "emptyDisk" -> emptyDisk(v.emptyDisk(), sp);
            case "hostDisk" -> hostDisk(v.hostDisk(), sp);
            case "persistentVolumeClaim" -> persistentVolumeClaim(v.persistentVolumeClaim(), sp);
            case "dataVolume" -> dataVolume(v.dataVolume(), sp);
            case "cloudInitNoCloud" -> cloudInit(v.name(), v.cloudInitNoCloud(), sp).map(VolumeSource.CloudInitNoCloud::new);
            case "cloudInitConfigDrive" -> cloudInit(v.name(), v.cloudInitConfigDrive(), sp).map(VolumeSource.CloudInitConfigDrive::new);
            case "configMap" -> label(v.configMap().volumeLabel(), sp).flatMap(l -> reference(v.configMap().name(), sp + ".name",
                    "the ConfigMap's name").map(n -> new VolumeSource.ConfigMap(n, l)));
            case "secret" -> label(v.secret().volumeLabel(), sp).flatMap(l -> reference(v.secret().secretName(), sp + ".secretName",
                    "the Secret's name").map(n -> new VolumeSource.Secret(n, l)));
            case "serviceAccount" -> reference(v.serviceAccount().serviceAccountName(), sp + ".serviceAccountName",
                    "the ServiceAccount's name").map(VolumeSource.ServiceAccount::new);
            case "downwardMetrics" -> Optional.of(new VolumeSource.DownwardMetrics());
            default -> throw new IllegalStateException("source " + key + " listed above but not converted");
        };
    }

    /** volumeLabel becomes the ISO's volume identifier: at most 32 characters, none of them a space. */
    private Optional<Optional<String>> label(String label, String p) {
        if (label != null && (label.isEmpty() || label.length() > 32 || label.contains(" "))) {
            problems.error(p + ".volumeLabel", SpecProblem.Rule.INVALID_TYPE, "volumeLabel \"" + label
                    + "\" cannot be an ISO volume identifier: use 1 to 32 characters without spaces");
            return Optional.empty();
        }
        return Optional.of(Optional.ofNullable(label));
    }

    private Optional<String> required(String value, String path, String what) {
        if (value == null || value.isBlank()) {
            problems.error(path, SpecProblem.Rule.REQUIRED, what + " is required");
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /** A required name of another object, which becomes a host path: it must be one (see {@link ObjectNames.Kind#REFERENCE}). */
    private Optional<String> reference(String value, String path, String what) {
        return required(value, path, what).filter(n -> ObjectNames.check(problems, path, ObjectNames.Kind.REFERENCE, n));
    }

    private Optional<VolumeSource> containerDisk(VolumeDtos.ContainerDisk c, String p) {
        if (c != null && c.imagePullSecret() != null && !c.imagePullSecret().isBlank()) {
            problems.warn(p + ".imagePullSecret", "imagePullSecret \"" + c.imagePullSecret() + "\" is not used: qvmm pulls "
                    + "with the host's registry credentials (skopeo login, containers-auth.json)");
        }
        if (c.path() != null && !ObjectNames.checkContainedPath(problems, p + ".path", c.path())) {
            return Optional.empty();
        }
        return required(c.image(), p + ".image", "the container image")
                .map(image -> new VolumeSource.ContainerDisk(image, Optional.ofNullable(c.path())));
    }

    private Optional<ClaimInfo> claim(VolumeDtos.Claim c, String p) {
        if (c == null) {
            problems.error(p, SpecProblem.Rule.REQUIRED, "a persistentVolumeClaim with claimName is required");
            return Optional.empty();
        }
        return reference(c.claimName(), p + ".claimName", "claimName")
                .map(n -> claims.getOrDefault(n, ClaimInfo.unknown(n)));
    }

    /**
     * A claim, or the DataVolume of that name: CDI makes a DataVolume's claim under the
     * DataVolume's own name, and KubeVirt users name it either way. This is the one place that
     * decides it (the daemon's hotplug reads its volumes through here too); the DataVolume's
     * import then runs before the VM starts, whichever way the volume named it.
     */
    private Optional<VolumeSource> persistentVolumeClaim(VolumeDtos.Claim c, String p) {
        boolean readOnly = c != null && Boolean.TRUE.equals(c.readOnly());
        return claim(c, p).map(claim -> {
            DataVolumeSpec dv = dataVolumes.get(claim.claimName());
            return dv == null ? new VolumeSource.PersistentVolumeClaim(claim, readOnly)
                    : new VolumeSource.DataVolume(dv.name(), dv.claim(), readOnly, "persistentVolumeClaim");
        });
    }

    private Optional<VolumeSource> ephemeral(VolumeDtos.Ephemeral e, String p) {
        return claim(e.persistentVolumeClaim(), p + ".persistentVolumeClaim").map(VolumeSource.Ephemeral::new);
    }

    private Optional<VolumeSource> dataVolume(VolumeDtos.DataVolumeRef d, String p) {
        return reference(d.name(), p + ".name", "the DataVolume's name").map(n -> {
            DataVolumeSpec dv = dataVolumes.get(n);
            ClaimInfo claim = dv != null ? dv.claim() : claims.getOrDefault(n, ClaimInfo.unknown(n));
            return new VolumeSource.DataVolume(n, claim);
        });
    }

    private Optional<VolumeSource> emptyDisk(VolumeDtos.EmptyDisk e, String p) {
        if (e.capacity() == null) {
            problems.error(p + ".capacity", SpecProblem.Rule.EMPTYDISK_CAPACITY, "an emptyDisk needs a capacity, e.g. 2Gi");
            return Optional.empty();
        }
        Optional<Long> bytes = problems.bytes(p + ".capacity", e.capacity());
        if (bytes.isPresent() && bytes.get() <= 0) {
            problems.error(p + ".capacity", SpecProblem.Rule.EMPTYDISK_CAPACITY,
                    "emptyDisk capacity " + e.capacity() + " must be greater than zero");
            return Optional.empty();
        }
        return bytes.map(VolumeSource.EmptyDisk::new);
    }

    private Optional<VolumeSource> hostDisk(VolumeDtos.HostDisk h, String p) {
        boolean ok = true;
        if (h.path() == null || h.path().isBlank()) {
            problems.error(p + ".path", SpecProblem.Rule.HOSTDISK, "a hostDisk needs a path, e.g. /data/disk.img");
            ok = false;
        } else if (!h.path().startsWith("/")) {
            problems.error(p + ".path", SpecProblem.Rule.HOSTDISK, "hostDisk path \"" + h.path() + "\" must be absolute");
            ok = false;
        }
        VolumeSource.HostDiskType type = null;
        if (h.type() == null) {
            problems.error(p + ".type", SpecProblem.Rule.HOSTDISK, "a hostDisk needs a type: Disk or DiskOrCreate");
            ok = false;
        } else {
            switch (h.type()) {
                case "Disk" -> type = VolumeSource.HostDiskType.DISK;
                case "DiskOrCreate" -> type = VolumeSource.HostDiskType.DISK_OR_CREATE;
                default -> {
                    problems.error(p + ".type", SpecProblem.Rule.HOSTDISK,
                            "hostDisk type \"" + h.type() + "\" is not Disk or DiskOrCreate");
                    ok = false;
                }
            }
        }
        OptionalLong capacity = OptionalLong.empty();
        if (h.capacity() != null) {
            if (type == VolumeSource.HostDiskType.DISK) {
                problems.error(p + ".capacity", SpecProblem.Rule.HOSTDISK,
                        "capacity is only allowed with type DiskOrCreate; a Disk must already exist");
                ok = false;
            } else {
                Optional<Long> b = problems.bytes(p + ".capacity", h.capacity());
                if (b.isEmpty()) {
                    ok = false;
                } else if (b.get() <= 0) {
                    problems.error(p + ".capacity", SpecProblem.Rule.HOSTDISK, "hostDisk capacity " + h.capacity() + " must be greater than zero");
                    ok = false;
                } else {
                    capacity = OptionalLong.of(b.get());
                }
            }
        } else if (type == VolumeSource.HostDiskType.DISK_OR_CREATE) {
            problems.error(p + ".capacity", SpecProblem.Rule.HOSTDISK, "a DiskOrCreate hostDisk needs a capacity to create it with");
            ok = false;
        }
        return ok ? Optional.of(new VolumeSource.HostDisk(h.path(), type, capacity, Boolean.TRUE.equals(h.shared())))
                : Optional.empty();
    }

    /**
     * user data: userData, else userDataBase64, else userDataSecretRef (or secretRef) keys
     * userdata/userData; network data: networkData, else networkDataBase64, else
     * networkDataSecretRef keys networkdata/networkData, else secretRef's networkdata/networkData
     * when it has them. Plain text wins over base64 (with a warning); a Secret is exclusive with inline data.
     */
    private Optional<CloudInitData> cloudInit(String volume, VolumeDtos.CloudInit c, String p) {
        int before = problems.problems.size();
        secretRef(c.userDataSecretRef(), p + ".userDataSecretRef");
        secretRef(c.secretRef(), p + ".secretRef");
        secretRef(c.networkDataSecretRef(), p + ".networkDataSecretRef");
        Optional<CloudInitData.Source> user = inline(volume, c.userData(), c.userDataBase64(), p, "userData");
        Optional<CloudInitData.Source> network = inline(volume, c.networkData(), c.networkDataBase64(), p, "networkData");
        Optional<String> userSecret = ref(c.userDataSecretRef()).or(() -> ref(c.secretRef()));
        if (ref(c.userDataSecretRef()).isPresent() && ref(c.secretRef()).isPresent()
                && !ref(c.userDataSecretRef()).equals(ref(c.secretRef()))) {
            problems.error(p + ".secretRef", SpecProblem.Rule.REQUIRED, "volume \"" + volume
                    + "\": secretRef and userDataSecretRef name different Secrets; keep one");
        }
        if (userSecret.isPresent() && user.isPresent()) {
            problems.error(p, SpecProblem.Rule.CLOUD_INIT_DATA_SOURCES, "volume \"" + volume
                    + "\": user data is given inline and as Secret \"" + userSecret.get() + "\"; keep one");
        }
        Optional<String> networkSecret = ref(c.networkDataSecretRef());
        if (networkSecret.isPresent() && network.isPresent()) {
            problems.error(p, SpecProblem.Rule.CLOUD_INIT_DATA_SOURCES, "volume \"" + volume
                    + "\": network data is given inline and as Secret \"" + networkSecret.get() + "\"; keep one");
        }
        if (user.isEmpty() && userSecret.isEmpty() && network.isEmpty() && networkSecret.isEmpty()
                && problems.problems.size() == before) {
            problems.error(p, SpecProblem.Rule.REQUIRED, "volume \"" + volume + "\": cloud-init needs user or network data: "
                    + "userData, userDataBase64, userDataSecretRef, secretRef, networkData, networkDataBase64 or networkDataSecretRef");
        }
        if (problems.problems.size() != before) {
            return Optional.empty();
        }
        boolean secretForUser = ref(c.userDataSecretRef()).isPresent() || network.isPresent() || networkSecret.isPresent();
        Optional<CloudInitData.Source> userSource = user.or(() -> userSecret.map(s ->
                new CloudInitData.FromSecret(s, List.of("userdata", "userData"), secretForUser)));
        Optional<CloudInitData.Source> networkSource = network
                .or(() -> networkSecret.map(s -> new CloudInitData.FromSecret(s, List.of("networkdata", "networkData"), true)))
                .or(() -> ref(c.secretRef()).map(s -> new CloudInitData.FromSecret(s, List.of("networkdata", "networkData"), false)));
        return Optional.of(new CloudInitData(userSource, networkSource));
    }

    private void secretRef(VolumeDtos.LocalRef r, String p) {
        ref(r).ifPresent(n -> ObjectNames.check(problems, p + ".name", ObjectNames.Kind.REFERENCE, n));
    }

    private static Optional<String> ref(VolumeDtos.LocalRef r) {
        return Optional.ofNullable(r).map(VolumeDtos.LocalRef::name).filter(n -> !n.isBlank());
    }

    /**
     * KubeVirt's admitter limits inline user and network data (plain, or base64 once decoded) to 2048 bytes
     * each, since the whole VMI object is copied to every node; larger data goes in a Secret (userDataSecretRef).
     */
    static final int CLOUD_INIT_USER_MAX_BYTES = 2048;
    /** See {@link #CLOUD_INIT_USER_MAX_BYTES}. */
    static final int CLOUD_INIT_NETWORK_MAX_BYTES = 2048;

    private Optional<CloudInitData.Source> inline(String volume, String plain, String base64, String p, String field) {
        Optional<CloudInitData.Source> data = inlineData(volume, plain, base64, p, field);
        if (data.isPresent() && data.get() instanceof CloudInitData.Inline in) {
            int max = field.equals("userData") ? CLOUD_INIT_USER_MAX_BYTES : CLOUD_INIT_NETWORK_MAX_BYTES;
            int bytes = in.text().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > max) {
                // KubeVirt names the data source (spec.volumes[i].cloudInitNoCloud), not the field.
                problems.error(p, SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "volume \"" + volume + "\": " + field + " is "
                        + bytes + " bytes, over KubeVirt's " + max + "-byte limit for inline data; put it in a Secret (key "
                        + field.toLowerCase(java.util.Locale.ROOT) + ") and name it with " + field + "SecretRef");
                return Optional.empty();
            }
        }
        return data;
    }

    private Optional<CloudInitData.Source> inlineData(String volume, String plain, String base64, String p, String field) {
        if (plain != null) {
            if (base64 != null) {
                // KubeVirt's admitter: "must have only one userdatasource set" (the same for network data).
                problems.error(p, SpecProblem.Rule.CLOUD_INIT_DATA_SOURCES, "volume \"" + volume + "\": " + field + " and "
                        + field + "Base64 are both set; keep one");
                return Optional.empty();
            }
            return Optional.of(new CloudInitData.Inline(plain));
        }
        if (base64 != null) {
            try {
                return Optional.of(new CloudInitData.Inline(new String(KeyData.decodeBase64(base64), StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) {
                problems.error(p + "." + field + "Base64", SpecProblem.Rule.INVALID_TYPE, "volume \"" + volume + "\": "
                        + field + "Base64 is not valid base64 (" + e.getMessage() + "); encode it with base64 -w0, or use " + field);
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
