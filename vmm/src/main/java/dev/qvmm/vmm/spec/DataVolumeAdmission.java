package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.K8sObjectDtos;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * CDI's DataVolume admission rules (its datavolume-validate webhook) that {@link ObjectConverter}
 * does not apply while converting, for a DataVolume document and for a VirtualMachine's
 * dataVolumeTemplates alike: not both {@code pvc} and {@code storage}; a size present (except a
 * clone through {@code storage}, which takes its source's) and at least 1 MiB; {@code pvc} with
 * exactly one access mode and {@code storage} with valid ones; not both {@code source} and
 * {@code sourceRef}; {@code contentType} kubevirt (an archive is refused by name: qvmm imports disk
 * images only); registry {@code pullMethod} pod or node; a clone source in the DataVolume's own
 * namespace; a storageClassName of at most 253 characters. The sources CDI knows that a bare host
 * cannot import from are refused by name, and so is an externally populated claim ({@code dataSource}).
 */
final class DataVolumeAdmission {

    /** CDI's smallest DataVolume (KubeVirt's smallest disk): 1 MiB. */
    static final long MIN_BYTES = 1L << 20;

    private static final Set<String> ACCESS_MODES = Set.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");

    private DataVolumeAdmission() {
    }

    /**
     * Checks DataVolume {@code dv} whose fields are at {@code p} ({@code ""} or {@code "Kind/name: "} prefixed, ending
     * in a dot or colon-space) in {@code namespace}; false when its source cannot be converted (already reported).
     */
    static boolean validate(Problems problems, K8sObjectDtos.DataVolume dv, String p, String namespace) {
        K8sObjectDtos.DvSpec spec = dv.spec();
        if (spec == null) {
            return true;
        }
        if (spec.pvc() != null && spec.storage() != null) {
            problems.error(p + "spec.storage", SpecProblem.Rule.CLAIM_SPEC_COUNT,
                    "both spec.pvc and spec.storage are given; a DataVolume takes one (storage lets CDI fill in defaults)");
        }
        boolean clone = spec.sourceRef() != null || spec.source() != null
                && (spec.source().pvc() != null || spec.source().snapshot() != null);
        if (spec.pvc() != null) {
            size(problems, spec.pvc(), p + "spec.pvc.", true);
            accessModes(problems, spec.pvc().accessModes(), p + "spec.pvc.accessModes", true);
        } else if (spec.storage() != null) {
            size(problems, spec.storage(), p + "spec.storage.", !clone);
            accessModes(problems, spec.storage().accessModes(), p + "spec.storage.accessModes", false);
        }
        K8sObjectDtos.ClaimSpec claim = spec.pvc() != null ? spec.pvc() : spec.storage();
        String cp = p + (spec.pvc() != null ? "spec.pvc." : "spec.storage.");
        if (claim != null && claim.storageClassName() != null && claim.storageClassName().length() > 253) {
            problems.error(cp + "storageClassName", SpecProblem.Rule.INVALID_NAME, "storageClassName is "
                    + claim.storageClassName().length() + " characters; a StorageClass name has at most 253");
        }
        if (claim != null && (claim.dataSource() != null || claim.dataSourceRef() != null)) {
            // CDI: a claim with dataSource (or dataSourceRef) is populated by an external volume populator.
            String field = claim.dataSource() != null ? "dataSource" : "dataSourceRef";
            problems.error(cp + field, SpecProblem.Rule.UNSUPPORTED_SOURCE, field + " asks a Kubernetes volume populator "
                    + "to fill the claim, and a bare host has none; give spec.source (blank, http, registry, pvc) instead");
            return false;
        }
        if (spec.contentType() != null && !spec.contentType().isEmpty() && !spec.contentType().equals("kubevirt")) {
            String why = spec.contentType().equals("archive")
                    ? "contentType archive unpacks a tar into a filesystem claim, which qvmm does not do; it imports disk "
                    + "images only: remove contentType (kubevirt)"
                    : "contentType \"" + spec.contentType() + "\" is not kubevirt or archive";
            problems.error(p + "spec.contentType", SpecProblem.Rule.UNSUPPORTED_VALUE, why);
        }
        if (spec.source() != null && spec.sourceRef() != null) {
            problems.error(p + "spec.source", SpecProblem.Rule.VOLUME_SOURCE_COUNT,
                    "both spec.source and spec.sourceRef are given; a DataVolume takes one");
            return false;
        }
        if (spec.sourceRef() != null) {
            problems.error(p + "spec.sourceRef", SpecProblem.Rule.UNSUPPORTED_SOURCE, "sourceRef names a DataSource, an "
                    + "object qvmm does not read; give the DataSource's own source instead (source.pvc or source.registry)");
            return false;
        }
        return spec.source() == null || source(problems, spec.source(), p + "spec.source", namespace);
    }

    private static boolean source(Problems problems, K8sObjectDtos.DvSource s, String p, String namespace) {
        Optional<String[]> unsupported = s.gcs() != null ? Optional.of(new String[]{"gcs", "Google Cloud Storage needs "
                + "credentials and a client qvmm does not have; download the object and use an http or file:/// URL"})
                : s.snapshot() != null ? Optional.of(new String[]{"snapshot", "a bare host has no VolumeSnapshots; clone "
                + "the claim with source.pvc instead"})
                : s.imageio() != null ? Optional.of(new String[]{"imageio", "it imports from oVirt, which a bare host has "
                + "not; export the disk and use an http or file:/// URL"})
                : s.vddk() != null ? Optional.of(new String[]{"vddk", "it imports from VMware through VDDK, which a bare host "
                + "has not; export the disk and use an http or file:/// URL"})
                : Optional.empty();
        if (unsupported.isPresent()) {
            problems.error(p + "." + unsupported.get()[0], SpecProblem.Rule.UNSUPPORTED_SOURCE,
                    "source " + unsupported.get()[0] + " is not supported: " + unsupported.get()[1]);
            return false;
        }
        if (s.registry() != null) {
            String method = s.registry().pullMethod();
            if (method != null && !method.isEmpty() && !method.equals("pod") && !method.equals("node")) {
                problems.error(p + ".registry.pullMethod", SpecProblem.Rule.UNSUPPORTED_VALUE,
                        "pullMethod \"" + method + "\" is not pod or node (both pull on this host with skopeo)");
            }
            if (s.registry().imageStream() != null) {
                problems.error(p + ".registry.imageStream", SpecProblem.Rule.UNSUPPORTED_SOURCE, "imageStream names an "
                        + "OpenShift ImageStream, which a bare host has not; give registry.url (docker://...)");
                return false;
            }
        }
        if (s.pvc() != null && s.pvc().namespace() != null && !s.pvc().namespace().isEmpty()) {
            if (!ObjectNames.check(problems, p + ".pvc.namespace", ObjectNames.Kind.NAMESPACE, s.pvc().namespace())) {
                return false;
            }
            if (!s.pvc().namespace().equals(namespace)) {
                problems.error(p + ".pvc.namespace", SpecProblem.Rule.NAMESPACE_MISMATCH, "the clone source is in namespace \""
                        + s.pvc().namespace() + "\", not the DataVolume's \"" + namespace + "\"; qvmm keeps one set of claims "
                        + "per host, so it can clone only a claim of the DataVolume's own namespace");
                return false;
            }
        }
        return true;
    }

    private static void size(Problems problems, K8sObjectDtos.ClaimSpec c, String p, boolean required) {
        String storage = c.resources() == null || c.resources().requests() == null ? null : c.resources().requests().get("storage");
        String at = p + "resources.requests.storage";
        if (storage == null) {
            if (required) {
                problems.error(at, SpecProblem.Rule.REQUIRED, "the DataVolume needs a size, e.g. storage: 10Gi (CDI takes "
                        + "it from the source only for a clone through spec.storage)");
            }
            return;
        }
        // Unreadable, negative and zero sizes are reported where the claim is converted.
        Optional<BigDecimal> bytes = Quantity.parse(storage);
        if (bytes.isPresent() && bytes.get().signum() > 0 && bytes.get().compareTo(BigDecimal.valueOf(MIN_BYTES)) < 0) {
            problems.error(at, SpecProblem.Rule.OUT_OF_RANGE, "size " + storage + " is below CDI's smallest DataVolume, 1Mi");
        }
    }

    private static void accessModes(Problems problems, List<String> modes, String p, boolean exactlyOne) {
        if (exactlyOne && (modes == null || modes.size() != 1)) {
            problems.error(p, SpecProblem.Rule.INVALID_ACCESS_MODE, (modes == null || modes.isEmpty() ? "no access mode"
                    : modes.size() + " access modes") + " in spec.pvc; CDI needs exactly one, e.g. [ReadWriteOnce] "
                    + "(spec.storage may leave them out)");
            return;
        }
        if (modes != null) {
            for (String m : modes) {
                if (!ACCESS_MODES.contains(m)) {
                    problems.error(p, SpecProblem.Rule.INVALID_ACCESS_MODE, "access mode \"" + m
                            + "\" is not one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod");
                    return;
                }
            }
        }
    }
}
