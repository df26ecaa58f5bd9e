package dev.qvmm.vmm.spec;

import java.util.Map;
import java.util.Set;

/**
 * The fields of KubeVirt's, CDI's and Kubernetes' APIs that qvmm's wire records do not carry, so
 * that the reader can warn of them as what they are ("not supported on a bare host", "set by the
 * API server") rather than as unknown fields, which they are not. Looked up by the field's parent
 * path with list indices dropped and a VirtualMachine's template unwrapped, so one table serves a
 * VirtualMachineInstance, a VirtualMachine and its dataVolumeTemplates.
 */
final class KubeVirtFields {

    /** Set by the API server or by controllers: present in exported objects, meaningless as input. */
    private static final Set<String> SERVER_SET_METADATA = Set.of("generateName", "selfLink", "uid", "resourceVersion",
            "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields");

    private static final Set<String> CLAIM_SPEC = Set.of("volumeAttributesClassName");

    /** Parent path (normalized) to the KubeVirt fields under it that qvmm does not honour. */
    private static final Map<String, Set<String>> UNSUPPORTED = Map.ofEntries(
            Map.entry("spec", Set.of("priorityClassName", "schedulerName", "topologySpreadConstraints", "startStrategy",
                    "readinessProbe", "livenessProbe", "dnsPolicy", "dnsConfig", "accessCredentials", "architecture",
                    "resourceClaims", "serviceAccountName", "instancetype", "preference", "updateVolumesStrategy")),
            Map.entry("spec.domain", Set.of("ioThreads", "chassis", "launchSecurity", "rebootPolicy")),
            Map.entry("spec.domain.cpu", Set.of("features", "numa", "realtime", "maxSockets")),
            Map.entry("spec.domain.memory", Set.of("maxGuest")),
            Map.entry("spec.domain.firmware", Set.of("acpi")),
            Map.entry("spec.domain.devices", Set.of("watchdog", "inputs", "autoattachMemBalloon", "autoattachInputDevice",
                    "autoattachVSOCK", "networkInterfaceMultiqueue", "gpus", "panicDevices", "hostDevices", "clientPassthrough",
                    "sound", "tpm", "video", "useVirtioTransitional", "disableHotplug", "logSerialConsole")),
            Map.entry("dv.spec", Set.of("priorityClassName", "checkpoints", "finalCheckpoint")),
            Map.entry("dv.spec.source.http", Set.of("extraHeaders", "secretExtraHeaders", "checksum")),
            Map.entry("dv.spec.pvc", CLAIM_SPEC),
            Map.entry("dv.spec.storage", CLAIM_SPEC),
            Map.entry("pvc.spec", CLAIM_SPEC));

    private KubeVirtFields() {
    }

    /**
     * What field {@code path} (relative to its document, as the reader prints it), which qvmm's records do not carry,
     * is in a document of {@code kind}: a real API field qvmm does not honour, one the server sets, or unknown.
     */
    static SpecWarning.Kind kindOf(String kind, String path) {
        String normal = normalize(kind, path.replaceAll("\\[\\d+]", ""));
        int dot = normal.lastIndexOf('.');
        String parent = dot < 0 ? "" : normal.substring(0, dot);
        String field = normal.substring(dot + 1);
        if (parent.endsWith("metadata") && SERVER_SET_METADATA.contains(field)) {
            return SpecWarning.Kind.SERVER_SET_FIELD;
        }
        if (UNSUPPORTED.getOrDefault(parent, Set.of()).contains(field)) {
            return SpecWarning.Kind.UNSUPPORTED_FIELD;
        }
        return SpecWarning.Kind.UNKNOWN_FIELD;
    }

    /** What a warning of {@code kind} from {@link #kindOf} says. */
    static String message(SpecWarning.Kind kind) {
        return switch (kind) {
            case SERVER_SET_FIELD -> "set by the Kubernetes API server; ignored";
            case UNSUPPORTED_FIELD -> "a KubeVirt field, not supported on a bare host; ignored";
            case UNKNOWN_FIELD, NOTE -> "unknown field; ignored";
        };
    }

    /** A VirtualMachine's template and dataVolumeTemplates, and DataVolume and claim documents, onto the table's paths. */
    private static String normalize(String kind, String path) {
        if (path.startsWith("spec.template.spec.")) {
            return "spec." + path.substring("spec.template.spec.".length());
        }
        if (path.startsWith("spec.template.metadata.")) {
            return "metadata." + path.substring("spec.template.metadata.".length());
        }
        if (path.startsWith("spec.dataVolumeTemplates.")) {
            String rest = path.substring("spec.dataVolumeTemplates.".length());
            return rest.startsWith("spec.") ? "dv." + rest : rest;
        }
        return switch (kind) {
            case "DataVolume" -> path.startsWith("spec.") ? "dv." + path : path;
            case "PersistentVolumeClaim" -> path.startsWith("spec.") ? "pvc." + path : path;
            default -> path;
        };
    }
}
