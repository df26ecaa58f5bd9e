package dev.qvmm.vmm.daemon;

import java.util.regex.Pattern;

/**
 * Names taken from request URLs, checked before anything looks them up: a name no VM (volume,
 * disk) can have is answered 404 at once and never reaches the daemon's maps or the file system
 * (a {@code ..}, a NUL, a slash decoded from {@code %2F}, 300 characters, a Cyrillic look-alike).
 */
final class ApiNames {

    /** Kubernetes' DNS-1123 subdomain, as metadata.name; KubeVirt VM names are at most 63 characters. */
    private static final Pattern VM_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    static final int VM_NAME_MAX = 63;
    /**
     * Disk and volume names of a spec: ASCII letters, digits, '-', '_', '.', not starting with a dot,
     * at most 253 characters. Wider than the VM name on purpose: it only rules out what no spec
     * that reads can name, so a real disk is never refused here.
     */
    private static final Pattern PART_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,252}");

    private ApiNames() {
    }

    /** Whether {@code name} can be a VM's name at all (the spec reader's rule for metadata.name). */
    static boolean vmName(String name) {
        return name.length() <= VM_NAME_MAX && VM_NAME.matcher(name).matches();
    }

    /** Whether {@code name} can be a disk's or a volume's name in a spec. */
    static boolean partName(String name) {
        return PART_NAME.matcher(name).matches();
    }
}
