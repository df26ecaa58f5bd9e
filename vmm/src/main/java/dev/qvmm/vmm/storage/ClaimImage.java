package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * KubeVirt's rules for a Filesystem claim's {@code disk.img}, on a bare host. A missing image is
 * created sparse raw at the request rounded down to 1 MiB when it fits in the file system's free
 * space less a {@value #RESERVE_BYTES}-byte reserve; when it does not, at the free space (rounded
 * down to 1 MiB) provided that is at most {@code tolerateLessSpacePercent} below the request, with
 * a warning; else it fails with {@link VmmException.Kind#INSUFFICIENT_SPACE}. An existing image is
 * used as it is and must be raw; with {@code expand} it is grown to a larger request
 * ({@code qemu-img resize}, {@code --preallocation=falloc} for a thick claim) and never shrunk.
 *
 * <p>Hazard: a grow is not rolled back when a later step fails; the bigger image holds the same
 * data and the next start would grow it again anyway.
 */
final class ClaimImage {

    static final long MIB = 1L << 20;
    /** KubeVirt's minimum PVC reserve: the space a new image leaves free. */
    static final long RESERVE_BYTES = 128L << 10;

    private ClaimImage() {
    }

    /** Makes the image exist (or grows it); returns the warning to show when it was made smaller than asked. */
    static Optional<String> ensure(QemuImg qemuImg, Artifact.EnsureClaimImage c, Rollback rollback) throws IOException {
        if (Files.exists(c.path())) {
            QemuImg.Info info = qemuImg.info(c.path());
            if (!info.format().equals("raw")) {
                throw unavailable(c, "claim \"" + c.claimName() + "\" image " + c.path() + " is " + info.format()
                        + "; a claim's disk.img must be raw (convert it with qemu-img convert -O raw)");
            }
            if (c.expand() && c.requestedBytes().isPresent()) {
                expand(qemuImg, c, info.virtualSize(), c.requestedBytes().getAsLong() / MIB * MIB);
            }
            return Optional.empty();
        }
        if (c.requestedBytes().isEmpty()) {
            throw unavailable(c, "claim \"" + c.claimName() + "\" has no " + c.path()
                    + " and no requested size to create it with; add the PersistentVolumeClaim to the YAML stream");
        }
        long requested = c.requestedBytes().getAsLong();
        long size = requested / MIB * MIB;
        if (size == 0) {
            throw unavailable(c, "claim \"" + c.claimName() + "\" requests " + requested
                    + " bytes, less than the 1 MiB a disk.img is rounded down to; request at least 1Mi");
        }
        long free = free(c.path());
        Optional<String> warning = Optional.empty();
        if (size > free) {
            long available = free / MIB * MIB;
            long least = size - size * c.tolerateLessSpacePercent() / 100;
            if (available <= 0 || available < least) {
                throw new VmmException(VmmException.Kind.INSUFFICIENT_SPACE, c.forName(), "volume \"" + c.forName()
                        + "\": not enough space for claim \"" + c.claimName() + "\" at " + c.path() + ": it requests "
                        + size + " bytes, " + free + " bytes are free (after a " + RESERVE_BYTES + "-byte reserve), and at most "
                        + c.tolerateLessSpacePercent() + "% less (" + least + " bytes) is tolerated; free space there, "
                        + "lower the request, or raise pvcTolerateLessSpaceUpToPercent in the host config");
            }
            warning = Optional.of("claim \"" + c.claimName() + "\": " + c.path() + " made at " + available
                    + " bytes instead of the requested " + size + " (only " + free + " bytes free; within the tolerated "
                    + c.tolerateLessSpacePercent() + "%)");
            size = available;
        }
        HostFiles.createSparse(c.path(), c.thick() ? 0 : size, rollback);
        if (c.thick()) {
            // Preallocated / thick-provisioned: every byte allocated now, as CDI's preallocation does.
            qemuImg.resize(c.path(), size, true);
        }
        return warning;
    }

    private static void expand(QemuImg qemuImg, Artifact.EnsureClaimImage c, long current, long wanted) throws IOException {
        if (wanted <= current) {
            return;
        }
        if (c.thick()) {
            long free = free(c.path());
            if (wanted - current > free) {
                throw new VmmException(VmmException.Kind.INSUFFICIENT_SPACE, c.forName(), "volume \"" + c.forName()
                        + "\": not enough space to grow preallocated claim \"" + c.claimName() + "\" at " + c.path() + " from "
                        + current + " to " + wanted + " bytes: " + (wanted - current) + " bytes needed, " + free
                        + " free (after a " + RESERVE_BYTES + "-byte reserve); free space there or lower the request");
            }
        }
        qemuImg.resize(c.path(), wanted, c.thick());
    }

    /** Usable bytes less the reserve on the file system that holds (or will hold) {@code path}. */
    static long free(Path path) throws IOException {
        Path existing = path.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, Files.getFileStore(existing).getUsableSpace() - RESERVE_BYTES);
    }

    private static VmmException unavailable(Artifact a, String why) {
        return new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, a.forName(), "volume \"" + a.forName() + "\": " + why);
    }
}
