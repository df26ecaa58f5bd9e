package dev.qvmm.vmm.daemon;

import dev.qvmm.vmm.spec.ObjectNames;

/**
 * Names taken from request URLs, checked before anything looks them up: a name no VM (volume,
 * disk) can have is answered 404 at once and never reaches the daemon's maps or the file system
 * (a {@code ..}, a NUL, a slash decoded from {@code %2F}, 300 characters, a Cyrillic look-alike).
 * The rules are the spec reader's own ({@link ObjectNames}), so a name the reader accepts is
 * always addressable here and one it refuses never is.
 */
final class ApiNames {

    static final int VM_NAME_MAX = 63;

    private ApiNames() {
    }

    /** Whether {@code name} can be a VM's name at all (the spec reader's rule for metadata.name). */
    static boolean vmName(String name) {
        return ObjectNames.valid(ObjectNames.Kind.VM, name);
    }

    /** Whether {@code name} can be a disk's or a volume's name in a spec. */
    static boolean partName(String name) {
        return ObjectNames.valid(ObjectNames.Kind.DEVICE, name);
    }
}
