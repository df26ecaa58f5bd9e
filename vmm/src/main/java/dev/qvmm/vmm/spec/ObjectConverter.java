package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.PathGuard;
import dev.qvmm.vmm.spec.dto.K8sObjectDtos;
import dev.qvmm.vmm.spec.dto.Meta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The Kubernetes and CDI objects that share the stream with the VM: checked here (names, claim
 * sizes, one DataVolume source, base64 data) and reduced to what planning needs ({@link ClaimInfo},
 * {@link DataVolumeSpec}, decoded ConfigMap and Secret data, object names). Nothing is looked up on the host.
 */
final class ObjectConverter {

    private final Problems problems;
    final Map<String, KeyData> configMaps = new LinkedHashMap<>();
    final Map<String, KeyData> secrets = new LinkedHashMap<>();
    final List<String> serviceAccounts = new ArrayList<>();
    final List<String> storageClasses = new ArrayList<>();
    final Map<String, ClaimInfo> claims = new LinkedHashMap<>();
    final Map<String, DataVolumeSpec> dataVolumes = new LinkedHashMap<>();
    /** PersistentVolumes with the field path prefix of their document. */
    private final List<Map.Entry<String, K8sObjectDtos.PersistentVolume>> volumes = new ArrayList<>();
    private final Map<String, String> claimVolumeNames = new LinkedHashMap<>();
    /** Where each object was given, by kind then name: the field path prefix of its document (or template). */
    final Map<String, Map<String, String>> paths = new LinkedHashMap<>();

    /** The VM's namespace: a DataVolume without one of its own is in it. */
    private final String namespace;

    ObjectConverter(Problems problems, String namespace) {
        this.problems = problems;
        this.namespace = namespace;
    }

    private Optional<String> name(String kind, Meta meta, String p) {
        if (meta == null || meta.name() == null || meta.name().isBlank()) {
            problems.error(p + "metadata.name", SpecProblem.Rule.REQUIRED, "every object needs metadata.name");
            return Optional.empty();
        }
        if (!ObjectNames.check(problems, p + "metadata.name", ObjectNames.Kind.OBJECT, meta.name())) {
            return Optional.empty();
        }
        String earlier = paths.computeIfAbsent(kind, k -> new LinkedHashMap<>()).putIfAbsent(meta.name(), p);
        if (earlier != null) {
            // Kubernetes keeps one object per kind and name: a second one would silently replace the first.
            problems.error(p + "metadata.name", SpecProblem.Rule.DUPLICATE_NAME, kind + " \"" + meta.name()
                    + "\" is given twice (also at " + where(earlier) + "); keep one, or rename one");
            return Optional.empty();
        }
        return Optional.of(meta.name());
    }

    /** A document prefix ("Kind/name: ") or a template's ("spec.dataVolumeTemplates[0].") as people read it. */
    static String where(String prefix) {
        return prefix.endsWith(": ") ? prefix.substring(0, prefix.length() - 2) : prefix.substring(0, prefix.length() - 1);
    }

    /** data as UTF-8 text, binaryData as base64. */
    void configMap(K8sObjectDtos.ConfigMap o, String p) {
        name("ConfigMap", o.metadata(), p).ifPresent(n -> {
            Map<String, byte[]> data = new LinkedHashMap<>();
            keys(o.data(), p + "data.");
            keys(o.binaryData(), p + "binaryData.");
            text(o.data(), data);
            base64(o.binaryData(), data, "ConfigMap \"" + n + "\"", p + "binaryData.");
            configMaps.put(n, new KeyData(data));
        });
    }

    /** data as base64, stringData as UTF-8 text that wins over data for the same key (as in Kubernetes). */
    void secret(K8sObjectDtos.Secret o, String p) {
        name("Secret", o.metadata(), p).ifPresent(n -> {
            Map<String, byte[]> data = new LinkedHashMap<>();
            keys(o.data(), p + "data.");
            keys(o.stringData(), p + "stringData.");
            base64(o.data(), data, "Secret \"" + n + "\"", p + "data.");
            text(o.stringData(), data);
            secrets.put(n, new KeyData(data));
        });
    }

    /** Keys become file names (ISO entries, virtiofs files): Kubernetes' key rule holds them. */
    private void keys(Map<String, String> in, String p) {
        if (in != null) {
            in.keySet().forEach(k -> ObjectNames.check(problems, p + PathGuard.printable(k), ObjectNames.Kind.KEY, k));
        }
    }

    private static void text(Map<String, String> in, Map<String, byte[]> out) {
        if (in != null) {
            in.forEach((k, v) -> out.put(k, (v == null ? "" : v).getBytes(StandardCharsets.UTF_8)));
        }
    }

    private void base64(Map<String, String> in, Map<String, byte[]> out, String object, String p) {
        if (in == null) {
            return;
        }
        in.forEach((k, v) -> {
            try {
                out.put(k, KeyData.decodeBase64(v == null ? "" : v));
            } catch (IllegalArgumentException e) {
                problems.error(p + k, SpecProblem.Rule.INVALID_TYPE, object + " key \"" + k + "\" is not valid base64 ("
                        + e.getMessage() + "); encode the value with base64, or put it in stringData");
            }
        });
    }

    void serviceAccount(K8sObjectDtos.ServiceAccount o, String p) {
        name("ServiceAccount", o.metadata(), p).ifPresent(serviceAccounts::add);
    }

    void storageClass(K8sObjectDtos.StorageClass o, String p) {
        name("StorageClass", o.metadata(), p).ifPresent(storageClasses::add);
    }

    void persistentVolume(K8sObjectDtos.PersistentVolume o, String p) {
        if (name("PersistentVolume", o.metadata(), p).isPresent()) {
            if (o.spec() != null && o.spec().capacity() != null && o.spec().capacity().get("storage") != null) {
                problems.bytes(p + "spec.capacity.storage", o.spec().capacity().get("storage"));
            }
            volumes.add(Map.entry(p, o));
        }
    }

    void claim(K8sObjectDtos.PersistentVolumeClaim o, String p) {
        name("PersistentVolumeClaim", o.metadata(), p).ifPresent(n -> {
            ClaimInfo c = claimInfo(n, o.metadata(), o.spec(), false, p + "spec.");
            String capacity = o.status() == null ? null : o.status().path("capacity").path("storage").asText(null);
            if (capacity != null) {
                OptionalLong bytes = problems.bytes(p + "status.capacity.storage", capacity).map(OptionalLong::of)
                        .orElse(OptionalLong.empty());
                c = new ClaimInfo(c.claimName(), c.mode(), c.requestedBytes(), c.thick(), c.devicePath(), bytes);
            }
            claims.put(n, c);
            if (o.spec() != null && o.spec().volumeName() != null) {
                claimVolumeNames.put(n, o.spec().volumeName());
            }
        });
    }

    /** A DataVolume document (top level) or one of a VirtualMachine's dataVolumeTemplates. */
    void dataVolume(K8sObjectDtos.DataVolume o, String p) {
        Optional<String> name = name("DataVolume", o.metadata(), p);
        if (name.isEmpty()) {
            return;
        }
        if (o.spec() == null) {
            problems.error(p + "spec", SpecProblem.Rule.REQUIRED, "a DataVolume needs spec.source and spec.pvc or spec.storage");
            return;
        }
        String ns = o.metadata().namespace() == null || o.metadata().namespace().isEmpty() ? namespace : o.metadata().namespace();
        if (!Admission.dataVolume(problems, o, p, ns)) {
            return;
        }
        K8sObjectDtos.ClaimSpec claimSpec = o.spec().pvc() != null ? o.spec().pvc() : o.spec().storage();
        String cp = p + (o.spec().pvc() != null ? "spec.pvc." : "spec.storage.");
        if (claimSpec == null) {
            problems.error(p + "spec.pvc", SpecProblem.Rule.REQUIRED, "a DataVolume needs spec.pvc or spec.storage");
            return;
        }
        Optional<DataVolumeSpec.Source> source = dvSource(o.spec().source(), p + "spec.source");
        ClaimInfo claim = claimInfo(name.get(), o.metadata(), claimSpec, Boolean.TRUE.equals(o.spec().preallocation()), cp);
        Optional<String> checksum = checksum(o.metadata(), source, p);
        source.ifPresent(s -> dataVolumes.put(name.get(), new DataVolumeSpec(name.get(), s, claim, checksum)));
        if (claimSpec.volumeName() != null) {
            claimVolumeNames.put(name.get(), claimSpec.volumeName());
        }
    }

    /** The {@value DataVolumeSpec#CHECKSUM_ANNOTATION} annotation: {@code sha256:<hex>}, for an http or file URL only. */
    private Optional<String> checksum(Meta meta, Optional<DataVolumeSpec.Source> source, String p) {
        String value = meta.annotations() == null ? null : meta.annotations().get(DataVolumeSpec.CHECKSUM_ANNOTATION);
        if (value == null) {
            return Optional.empty();
        }
        String field = p + "metadata.annotations." + DataVolumeSpec.CHECKSUM_ANNOTATION;
        if (!value.matches("sha256:[0-9a-f]{64}")) {
            problems.error(field, SpecProblem.Rule.INVALID_TYPE, "checksum \"" + value
                    + "\" is not sha256:<64 lowercase hex digits>; write it as sha256sum prints it, prefixed with sha256:");
            return Optional.empty();
        }
        if (source.isPresent() && !(source.get() instanceof DataVolumeSpec.Http)) {
            problems.error(field, SpecProblem.Rule.UNSUPPORTED_VALUE,
                    "a checksum applies to an http source (http, https or file URL) only; remove the annotation");
            return Optional.empty();
        }
        return Optional.of(value);
    }

    private Optional<DataVolumeSpec.Source> dvSource(K8sObjectDtos.DvSource s, String p) {
        if (s == null) {
            problems.error(p, SpecProblem.Rule.REQUIRED, "a DataVolume needs a source: http, s3, registry, blank, pvc or upload");
            return Optional.empty();
        }
        List<DataVolumeSpec.Source> found = new ArrayList<>();
        if (s.http() != null) {
            reference(p + ".http.secretRef", s.http().secretRef());
            reference(p + ".http.certConfigMap", s.http().certConfigMap());
            found.add(new DataVolumeSpec.Http(s.http().url(), blankless(s.http().secretRef()), blankless(s.http().certConfigMap())));
        }
        if (s.s3() != null) found.add(new DataVolumeSpec.S3(s.s3().url()));
        if (s.registry() != null) {
            found.add(new DataVolumeSpec.Registry(s.registry().url()));
            // Pulls go through skopeo, which takes the host's registry credentials and CAs (skopeo login /
            // containers-auth.json, /etc/containers/certs.d); a Secret or ConfigMap here would not be used.
            if (s.registry().secretRef() != null && !s.registry().secretRef().isBlank()) {
                problems.error(p + ".registry.secretRef", SpecProblem.Rule.UNSUPPORTED_VALUE, "secretRef \""
                        + s.registry().secretRef() + "\" is not supported for a registry source: qvmm pulls with the host's "
                        + "registry credentials; run skopeo login for that registry on the host and remove secretRef");
            }
            if (s.registry().certConfigMap() != null && !s.registry().certConfigMap().isBlank()) {
                problems.error(p + ".registry.certConfigMap", SpecProblem.Rule.UNSUPPORTED_VALUE, "certConfigMap \""
                        + s.registry().certConfigMap() + "\" is not supported for a registry source: qvmm pulls with the host's "
                        + "CAs; put the CA in /etc/containers/certs.d/<registry>/ca.crt on the host and remove certConfigMap");
            }
        }
        if (s.blank() != null) found.add(new DataVolumeSpec.Blank());
        if (s.pvc() != null) {
            if (s.pvc().name() != null && !ObjectNames.check(problems, p + ".pvc.name", ObjectNames.Kind.REFERENCE, s.pvc().name())) {
                return Optional.empty();
            }
            found.add(new DataVolumeSpec.Clone(s.pvc().name()));
        }
        if (s.upload() != null) found.add(new DataVolumeSpec.Upload());
        if (found.size() != 1) {
            problems.error(p, SpecProblem.Rule.VOLUME_SOURCE_COUNT, "a DataVolume needs exactly one source, found " + found.size());
            return Optional.empty();
        }
        DataVolumeSpec.Source only = found.getFirst();
        String missing = switch (only) {
            case DataVolumeSpec.Http h -> h.url() == null ? "http.url" : null;
            case DataVolumeSpec.S3 h -> h.url() == null ? "s3.url" : null;
            case DataVolumeSpec.Registry h -> h.url() == null ? "registry.url" : null;
            case DataVolumeSpec.Clone c -> c.claimName() == null ? "pvc.name" : null;
            case DataVolumeSpec.Blank b -> null;
            case DataVolumeSpec.Upload u -> null;
        };
        if (missing != null) {
            problems.error(p + "." + missing, SpecProblem.Rule.REQUIRED, missing + " is required");
            return Optional.empty();
        }
        String bad = switch (only) {
            case DataVolumeSpec.Http h -> httpUrlProblem(h.url());
            case DataVolumeSpec.Registry r -> r.url().startsWith("docker://") && r.url().length() > "docker://".length() ? null
                    : "registry.url \"" + r.url() + "\" must be docker://<image reference>; other transports are not supported";
            case DataVolumeSpec.S3 x -> null;
            case DataVolumeSpec.Clone c -> null;
            case DataVolumeSpec.Blank b -> null;
            case DataVolumeSpec.Upload u -> null;
        };
        if (bad != null) {
            problems.error(p + "." + (only instanceof DataVolumeSpec.Http ? "http.url" : "registry.url"),
                    SpecProblem.Rule.UNSUPPORTED_VALUE, bad);
            return Optional.empty();
        }
        if (only instanceof DataVolumeSpec.Http h) {
            String scheme = h.url().substring(0, Math.max(0, h.url().indexOf(':'))).toLowerCase(java.util.Locale.ROOT);
            if (scheme.equals("file") && h.secretRef().isPresent()) {
                problems.error(p + ".http.secretRef", SpecProblem.Rule.UNSUPPORTED_VALUE, "secretRef \"" + h.secretRef().get()
                        + "\" gives credentials for an http(s) server, but the URL is a host file; remove secretRef");
                return Optional.empty();
            }
            if (!scheme.equals("https") && h.certConfigMap().isPresent()) {
                problems.error(p + ".http.certConfigMap", SpecProblem.Rule.UNSUPPORTED_VALUE, "certConfigMap \""
                        + h.certConfigMap().get() + "\" holds CA certificates for TLS, but the URL is " + scheme
                        + "; use an https URL or remove certConfigMap");
                return Optional.empty();
            }
        }
        return Optional.of(only);
    }

    /** An optional reference to another object: checked when given. */
    private void reference(String p, String name) {
        if (name != null && !name.isBlank()) {
            ObjectNames.check(problems, p, ObjectNames.Kind.REFERENCE, name);
        }
    }

    private static Optional<String> blankless(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }

    /** An http(s) URL with a host, or a file URL with an absolute path (qvmm's way to import a host file); else why not. */
    private static String httpUrlProblem(String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            return "http.url \"" + url + "\" is not a URL (" + e.getReason() + ")";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> uri.getHost() == null ? "http.url \"" + url + "\" has no host" : null;
            case "file" -> uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getAuthority() != null
                    ? "http.url \"" + url + "\" must be file:///<absolute path> to import a host file" : null;
            default -> "http.url \"" + url + "\" is not an http, https or file URL";
        };
    }

    private ClaimInfo claimInfo(String name, Meta meta, K8sObjectDtos.ClaimSpec spec, boolean preallocation, String p) {
        ClaimInfo.VolumeMode mode = ClaimInfo.VolumeMode.FILESYSTEM;
        OptionalLong size = OptionalLong.empty();
        if (spec != null) {
            if ("Block".equals(spec.volumeMode())) {
                mode = ClaimInfo.VolumeMode.BLOCK;
            } else if (spec.volumeMode() != null && !"Filesystem".equals(spec.volumeMode())) {
                problems.error(p + "volumeMode", SpecProblem.Rule.UNSUPPORTED_VALUE,
                        "volumeMode \"" + spec.volumeMode() + "\" is not Filesystem or Block");
            }
            String storage = spec.resources() == null || spec.resources().requests() == null ? null
                    : spec.resources().requests().get("storage");
            if (storage != null) {
                Optional<Long> b = problems.bytes(p + "resources.requests.storage", storage);
                if (b.isPresent() && b.get() == 0) {
                    // Kubernetes (and CDI for a DataVolume) refuse a zero request: it would plan a 0-byte disk.
                    problems.error(p + "resources.requests.storage", SpecProblem.Rule.INVALID_QUANTITY,
                            "storage request " + storage + " must be greater than zero; give the disk's size, e.g. 10Gi");
                } else if (b.isPresent()) {
                    size = OptionalLong.of(b.get());
                }
            }
        }
        return new ClaimInfo(name, mode, size, preallocation || thick(meta), Optional.empty());
    }

    static boolean thick(Meta meta) {
        if (meta == null || meta.annotations() == null) {
            return false;
        }
        return meta.annotations().entrySet().stream().anyMatch(e -> "true".equals(e.getValue())
                && (e.getKey().endsWith("/storage.preallocation") || e.getKey().endsWith("/storage.thick-provisioned")));
    }

    /**
     * Binds claims to their PersistentVolume (by the claim's {@code volumeName} or the volume's
     * {@code claimRef}), once every document is read: a Block claim takes the volume's device path
     * ({@code local.path} or {@code hostPath.path}), and a claim without a stated capacity the
     * volume's. Kubernetes' binding rules are checked: one volume per claim, and a Block claim binds
     * only a {@code volumeMode: Block} volume whose path is absolute. A DataVolume's claim binds the
     * same way (CDI's claim has the DataVolume's name and its {@code pvc.volumeName}); a
     * PersistentVolumeClaim with a DataVolume's name is refused.
     */
    void bind() {
        Map<String, String> claimPaths = paths.getOrDefault("PersistentVolumeClaim", Map.of());
        Map<String, String> dataVolumePaths = paths.getOrDefault("DataVolume", Map.of());
        for (Map.Entry<String, String> dv : dataVolumePaths.entrySet()) {
            String claimAt = claimPaths.get(dv.getKey());
            if (claimAt != null) {
                // CDI makes the DataVolume's claim under its name; a PersistentVolumeClaim of that name is another claim.
                problems.error(claimAt + "metadata.name", SpecProblem.Rule.DUPLICATE_NAME, "PersistentVolumeClaim \""
                        + dv.getKey() + "\" has the name of DataVolume \"" + dv.getKey() + "\" (" + where(dv.getValue())
                        + "), whose claim is made under that name; remove the PersistentVolumeClaim (the DataVolume is the claim) "
                        + "or rename one of them");
            }
        }
        for (Map.Entry<String, ClaimInfo> e : claims.entrySet()) {
            e.setValue(bound(e.getKey(), e.getValue()));
        }
        for (Map.Entry<String, DataVolumeSpec> e : dataVolumes.entrySet()) {
            DataVolumeSpec dv = e.getValue();
            e.setValue(new DataVolumeSpec(dv.name(), dv.source(), bound(e.getKey(), dv.claim()), dv.checksum()));
        }
    }

    /** {@code c} with what its PersistentVolume of the stream gives it (see {@link #bind()}). */
    private ClaimInfo bound(String name, ClaimInfo c) {
        List<String> boundBy = new ArrayList<>();
        ClaimInfo result = c;
        for (Map.Entry<String, K8sObjectDtos.PersistentVolume> entry : volumes) {
            K8sObjectDtos.PersistentVolume pv = entry.getValue();
            String p = entry.getKey();
            boolean bound = pv.metadata().name().equals(claimVolumeNames.get(name))
                    || (pv.spec() != null && pv.spec().claimRef() != null && name.equals(pv.spec().claimRef().name()));
            if (!bound || pv.spec() == null) {
                continue;
            }
            boundBy.add(pv.metadata().name());
            if (boundBy.size() > 1) {
                problems.error(p + "spec.claimRef", SpecProblem.Rule.UNSUPPORTED_VALUE, "claim \"" + name
                        + "\" is bound to PersistentVolumes " + String.join(" and ", boundBy)
                        + "; a claim binds exactly one volume, remove the other's claimRef or fix the claim's volumeName");
                continue;
            }
            Optional<String> path = Optional.ofNullable(pv.spec().local()).map(K8sObjectDtos.PathSource::path)
                    .or(() -> Optional.ofNullable(pv.spec().hostPath()).map(K8sObjectDtos.PathSource::path));
            if (c.mode() == ClaimInfo.VolumeMode.BLOCK) {
                if (!"Block".equals(pv.spec().volumeMode())) {
                    problems.error(p + "spec.volumeMode", SpecProblem.Rule.UNSUPPORTED_VALUE, "PersistentVolume \""
                            + pv.metadata().name() + "\" has volumeMode " + (pv.spec().volumeMode() == null ? "Filesystem (the default)"
                            : pv.spec().volumeMode()) + " but claim \"" + name + "\" is volumeMode Block; set volumeMode: Block on both");
                } else if (path.isPresent() && !path.get().startsWith("/")) {
                    problems.error(p + "spec." + (pv.spec().local() != null ? "local" : "hostPath") + ".path",
                            SpecProblem.Rule.UNSUPPORTED_VALUE, "PersistentVolume \"" + pv.metadata().name() + "\" path \""
                                    + path.get() + "\" is not an absolute device path such as /dev/sdb");
                }
            } else if (path.isPresent()) {
                // Said, not silently dropped: a Filesystem claim's image always lives in the claims directory here.
                problems.warn(p + "spec." + (pv.spec().local() != null ? "local" : "hostPath") + ".path",
                        "PersistentVolume \"" + pv.metadata().name() + "\" path " + path.get() + " is not used: Filesystem claim \""
                                + name + "\" keeps its disk.img in the host's claims directory (<claims>/" + name
                                + "/disk.img); only a volumeMode Block claim takes a volume's path (a device)");
            }
            OptionalLong capacity = c.capacityBytes().isPresent() || pv.spec().capacity() == null
                    || pv.spec().capacity().get("storage") == null ? c.capacityBytes()
                    : Quantity.wholeUp(pv.spec().capacity().get("storage")).map(OptionalLong::of).orElse(OptionalLong.empty());
            result = new ClaimInfo(c.claimName(), c.mode(), c.requestedBytes(), c.thick(), path, capacity);
        }
        return result;
    }

    StreamObjects objects() {
        return new StreamObjects(configMaps, secrets,
                java.util.Set.copyOf(serviceAccounts), java.util.Set.copyOf(storageClasses), claims);
    }
}
