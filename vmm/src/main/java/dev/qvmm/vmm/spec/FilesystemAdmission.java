package dev.qvmm.vmm.spec;

import dev.qvmm.blockdev.VhostUserFsPci;
import dev.qvmm.vmm.spec.dto.DiskDtos;
import java.util.List;

/**
 * A filesystem's name is the guest's virtiofs mount tag, which virtio-fs limits to
 * {@value VhostUserFsPci#MAX_TAG} bytes. KubeVirt admits longer names (a DNS label reaches 63) and
 * the VM then fails to start; qvmm refuses the name here, so the refusal is a spec problem (exit 2)
 * and not a device error at planning.
 */
final class FilesystemAdmission {

    private FilesystemAdmission() {
    }

    static void validate(Problems problems, List<DiskDtos.Filesystem> filesystems, String path) {
        if (filesystems == null) {
            return;
        }
        for (int i = 0; i < filesystems.size(); i++) {
            DiskDtos.Filesystem f = filesystems.get(i);
            if (f != null && f.name() != null && f.name().length() > VhostUserFsPci.MAX_TAG) {
                problems.error(Problems.index(path, i) + ".name", SpecProblem.Rule.INVALID_NAME, "filesystem name \"" + f.name()
                        + "\" (" + f.name().length() + " characters) is the guest's virtiofs mount tag, which is at most "
                        + VhostUserFsPci.MAX_TAG + "; use a shorter name for the filesystem and its volume");
            }
        }
    }
}
