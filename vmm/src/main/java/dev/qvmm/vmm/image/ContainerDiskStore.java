package dev.qvmm.vmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.blockdev.BlockdevException;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * containerDisk images pulled from an OCI registry into a content-addressed local store, shared
 * read-only by every VM. Layout under the store root (the state directory's {@code images/}):
 * <pre>
 * sha256/&lt;manifest hex&gt;/disk.img          the image's single file under /disk (mode 0444)
 * sha256/&lt;manifest hex&gt;/path-&lt;key&gt;.img    the file at a volume's explicit {@code path}
 * sha256/&lt;manifest hex&gt;/rootfs/          the whole file system, for a kernelBoot container
 * &lt;image key&gt;/disk.img                    symbolic link to one of the above (the planner's diskPath)
 * &lt;image key&gt;/rootfs                      symbolic link to a stored rootfs (the planner's kernel root)
 * .pull-&lt;digest16&gt;-&lt;random&gt;/ (+ .lock)    staging for one pull, removed when it ends; one a killed qvmm
 *                                          left is removed by the next pull of that digest ({@link StagingDirectory})
 * </pre>
 * A pull reads the manifest first ({@code skopeo inspect --raw}) so an image already stored is
 * reused without downloading a layer; a reference pinned by digest that is already stored needs no
 * registry at all. A new image is copied by its digest ({@code repository@sha256:...}, so a tag
 * moving in between cannot mix two images) into an OCI layout in the staging directory, verified
 * and unpacked by {@link OciLayout}, format-checked with {@code qemu-img info} (raw, or qcow2
 * without a backing file), and renamed into place: the store never holds a half-written disk.
 * An image index (multi-platform) resolves to the manifest for linux and this host's architecture.
 */
public final class ContainerDiskStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome of one pull: the manifest digest, the stored disk, and whether it was already there. */
    public record Pulled(String manifestDigest, Path disk, boolean reused) {
    }

    private final Skopeo skopeo;
    private final QemuImg qemuImg;
    private final Duration tarTimeout;

    public ContainerDiskStore(Skopeo skopeo, QemuImg qemuImg, Duration tarTimeout) {
        this.skopeo = skopeo;
        this.qemuImg = qemuImg;
        this.tarTimeout = tarTimeout;
    }

    /** skopeo and tar from PATH; ten minutes to unpack a layer. */
    public static ContainerDiskStore onPath(QemuImg qemuImg) {
        return new ContainerDiskStore(Skopeo.onPath(), qemuImg, Duration.ofMinutes(10));
    }

    /**
     * Makes {@code diskPath} (which the planner puts at {@code <store>/<image key>/disk.img}) a
     * link to volume {@code volume}'s disk from {@code image}, pulling the image if the store
     * lacks it. The link is undone by {@code rollback}; the stored disk stays, it is complete and shared.
     */
    public Pulled pull(String volume, String image, Optional<String> pathInImage, Path diskPath, Rollback rollback)
            throws IOException {
        String fileName = pathInImage.map(p -> "path-" + p.replaceAll("[^A-Za-z0-9._-]", "_") + ".img").orElse("disk.img");
        return obtain(volume, image, fileName, new Wanted.Disk(pathInImage), diskPath, rollback);
    }

    /**
     * Makes {@code rootfsLink} ({@code <store>/<image key>/rootfs}, where the planner looks for a
     * kernelBoot container's kernel and initrd) a link to the image's whole unpacked file system,
     * stored as {@code sha256/<manifest hex>/rootfs}.
     */
    public Pulled pullRootfs(String volume, String image, Path rootfsLink, Rollback rollback) throws IOException {
        return obtain(volume, image, "rootfs", new Wanted.Rootfs(), rootfsLink, rollback);
    }

    /** What a pull keeps of the unpacked image. */
    private sealed interface Wanted {
        /** The volume's disk: the file at {@code path}, or the single file under /disk. */
        record Disk(Optional<String> path) implements Wanted {
        }

        /** The whole file system. */
        record Rootfs() implements Wanted {
        }
    }

    private Pulled obtain(String volume, String image, String entryName, Wanted wanted, Path link,
            Rollback rollback) throws IOException {
        ImageReference ref;
        try {
            ref = ImageReference.parse(image);
        } catch (IllegalArgumentException e) {
            throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume + "\": " + e.getMessage());
        }
        Path root = link.toAbsolutePath().getParent().getParent();
        Pulled pulled;
        Optional<Path> pinnedStored = ref.digest().map(d -> entry(root, d).resolve(entryName)).filter(Files::exists);
        if (pinnedStored.isPresent()) {
            pulled = new Pulled(ref.digest().get(), pinnedStored.get(), true);
        } else {
            String digest = resolveManifest(volume, ref);
            Path stored = entry(root, digest).resolve(entryName);
            pulled = Files.exists(stored) ? new Pulled(digest, stored, true)
                    : new Pulled(digest, fetch(volume, ref, digest, wanted, root, stored), false);
        }
        link(link, pulled.disk(), rollback);
        return pulled;
    }

    private static Path entry(Path root, String digest) {
        return root.resolve("sha256").resolve(digest.substring("sha256:".length()));
    }

    /** The digest of the image manifest to pull: the reference's own, or this platform's entry of its index. */
    private String resolveManifest(String volume, ImageReference ref) throws IOException {
        byte[] raw = skopeo.inspectRaw(volume, ref);
        String served = OciLayout.sha256(raw);
        if (ref.digest().isPresent() && !ref.digest().get().equals(served)) {
            throw new VmmException(VmmException.Kind.IMAGE_DIGEST_MISMATCH, volume, "volume \"" + volume + "\": image " + ref
                    + ": the registry served a manifest whose digest is " + served + "; do not use this registry's copy");
        }
        JsonNode manifest = JSON.readTree(raw);
        if (!manifest.has("manifests")) {
            return served;
        }
        String arch = goArch();
        List<String> offered = new ArrayList<>();
        for (JsonNode m : manifest.path("manifests")) {
            String os = m.path("platform").path("os").asText();
            String a = m.path("platform").path("architecture").asText();
            if (os.equals("linux") && a.equals(arch)) {
                String digest = m.path("digest").asText();
                if (!digest.matches("sha256:[0-9a-f]{64}")) {
                    throw new VmmException(VmmException.Kind.IMAGE_DIGEST_MISMATCH, volume, "volume \"" + volume + "\": image "
                            + ref + " lists its linux/" + arch + " manifest as \"" + digest + "\", which is not a sha256 digest");
                }
                return digest;
            }
            offered.add(os + "/" + a);
        }
        throw new VmmException(VmmException.Kind.IMAGE_NOT_FOUND, volume, "volume \"" + volume + "\": image " + ref
                + " has no linux/" + arch + " manifest (it offers " + offered + "); use an image built for this host");
    }

    private static String goArch() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }

    private Path fetch(String volume, ImageReference ref, String digest, Wanted wanted, Path root, Path stored)
            throws IOException {
        Files.createDirectories(root);
        // A pull of this digest that a killed qvmm left behind is removed; a live one (another process) is left alone.
        String prefix = ".pull-" + digest.substring("sha256:".length(), "sha256:".length() + 16) + "-";
        StagingDirectory.removeAbandoned(root, prefix);
        try (StagingDirectory staged = StagingDirectory.create(root, prefix)) {
            Path staging = staged.path();
            Path layout = staging.resolve("oci");
            skopeo.copyToOciLayout(volume, ref, ref.pinned(digest), layout);
            Path rootfs = staging.resolve("rootfs");
            new OciLayout(layout, volume, ref).unpack(rootfs, staging, tarTimeout);
            Path result = switch (wanted) {
                case Wanted.Rootfs r -> rootfs;
                case Wanted.Disk d -> {
                    Path disk = findDisk(volume, ref, rootfs, d.path());
                    checkFormat(volume, disk);
                    Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("r--r--r--"));
                    yield disk;
                }
            };
            Files.createDirectories(stored.getParent());
            try {
                Files.move(result, stored, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException concurrentPull) {
                // another pull of the same digest renamed its complete copy into place first: use that one
            }
            return stored;
        }
    }

    /** The volume's {@code path} in the image, or the single regular file under {@code /disk}. */
    static Path findDisk(String volume, ImageReference ref, Path rootfs, Optional<String> pathInImage) throws IOException {
        if (pathInImage.isPresent()) {
            Path disk = rootfs.resolve(pathInImage.get().replaceFirst("^/+", "")).normalize();
            if (!disk.startsWith(rootfs) || !Files.isRegularFile(disk, LinkOption.NOFOLLOW_LINKS)) {
                throw new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume + "\": image " + ref
                        + " has no regular file at path " + pathInImage.get() + " (it holds " + listing(rootfs, rootfs) + ")");
            }
            return disk;
        }
        Path dir = rootfs.resolve("disk");
        List<Path> entries;
        try (Stream<Path> s = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? Files.list(dir) : Stream.empty()) {
            entries = s.sorted().toList();
        }
        List<Path> files = entries.stream().filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        if (files.size() != 1 || entries.size() != 1) {
            String found = entries.isEmpty() ? "nothing under /disk; the image holds " + listing(rootfs, rootfs)
                    : listing(rootfs, dir);
            throw new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume + "\": image " + ref
                    + " must hold exactly one file under /disk, found " + found
                    + "; fix the image or set the volume's containerDisk.path");
        }
        return files.getFirst();
    }

    private static String listing(Path rootfs, Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return "nothing";
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.sorted().map(p -> "/" + rootfs.relativize(p)
                    + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : Files.isSymbolicLink(p) ? " (link)" : "")).toList();
            return names.isEmpty() ? "nothing" : String.join(", ", names);
        }
    }

    private void checkFormat(String volume, Path disk) {
        QemuImg.Info info;
        try {
            info = qemuImg.info(disk);
        } catch (BlockdevException e) {
            throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume + "\": " + e.getMessage(),
                    List.of(), e);
        }
        String name = "/" + disk.getParent().getFileName() + "/" + disk.getFileName();
        if (!info.format().equals("raw") && !info.format().equals("qcow2")) {
            throw new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume + "\": containerDisk "
                    + name + " is " + info.format() + "; only raw and qcow2 are accepted");
        }
        if (info.backingFilename() != null) {
            throw new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume + "\": containerDisk "
                    + name + " has a backing file (" + info.backingFilename() + "); it must be self-contained");
        }
    }

    /** Points {@code link} at {@code target} atomically; the rollback restores what was there before. */
    private static void link(Path link, Path target, Rollback rollback) throws IOException {
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
            return;
        }
        Path dir = link.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            rollback.add(() -> Files.deleteIfExists(dir));
        }
        Optional<Path> previous = Files.isSymbolicLink(link) ? Optional.of(Files.readSymbolicLink(link)) : Optional.empty();
        if (previous.isEmpty() && Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, link.toString(), link
                    + " is in the image store but is not a link qvmm made; move it away and start again");
        }
        Path temp = dir.resolve("." + link.getFileName() + ".new");
        Files.deleteIfExists(temp);
        Files.createSymbolicLink(temp, target);
        Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        rollback.add(() -> {
            if (previous.isPresent()) {
                Files.deleteIfExists(temp);
                Files.createSymbolicLink(temp, previous.get());
                Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(link);
            }
        });
    }
}
