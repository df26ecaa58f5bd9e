package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Prepares a {@link Artifact.CopyEfiVars}: the VM's UEFI variable store, copied from the firmware's
 * template. A persistent store that exists is the guest's (its boot entries, its secure-boot
 * keys) and is never rewritten; it must be a regular file, not a link. A copy is written beside
 * its final name and moved into place, so a crash never leaves a half-copied store behind.
 */
final class EfiVars {

    private EfiVars() {
    }

    static void prepare(Artifact.CopyEfiVars v, Rollback rollback, List<Path> ephemeral) throws IOException {
        for (Path p : List.of(v.code(), v.template())) {
            if (!Files.isRegularFile(p)) {
                throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, v.forName(), "the UEFI firmware file " + p
                        + " that its firmware descriptor names is missing; install OVMF: apt-get install ovmf");
            }
        }
        if (v.persistent() && Files.exists(v.path(), LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(v.path(), LinkOption.NOFOLLOW_LINKS)) {
                throw new VmmException(VmmException.Kind.VOLUME_INVALID, v.forName(), "the persistent UEFI variable store "
                        + v.path() + " is not a regular file; move it away to start with fresh variables");
            }
            return;
        }
        HostFiles.createParents(v.path(), rollback);
        Path partial = v.path().resolveSibling(v.path().getFileName() + ".partial");
        Files.deleteIfExists(partial);
        rollback.add(() -> Files.deleteIfExists(partial));
        Files.copy(v.template(), partial, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-r-----"));
        // A fresh store per start replaces the one a killed run left; a persistent one only appears when missing.
        Files.move(partial, v.path(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        rollback.add(() -> Files.deleteIfExists(v.path()));
        if (!v.persistent()) {
            ephemeral.add(v.path());
        }
    }
}
