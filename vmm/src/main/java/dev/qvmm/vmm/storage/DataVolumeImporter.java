package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.BlockdevException;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.image.ContainerDiskStore;
import dev.qvmm.vmm.image.StagingDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * Fills a DataVolume's claim image ({@code <claims>/<claim>/disk.img}) from its {@link ImportSource}
 * before QEMU starts. The result is always a raw image; its virtual size is the source image's,
 * grown to the claim's request (rounded down to 1 MiB) when that is larger, as CDI does.
 *
 * <p>Steps: check that the claim's file system has room for the image (its request, or the
 * source's virtual size when there is no request; see {@link #requireSpace}); fetch the source into a staging directory beside {@code disk.img} (http(s) download,
 * or read a host file, another claim's image, a container disk from the image store in place);
 * check the optional sha256 of the bytes as fetched; decompress gzip (JDK) or xz (the host's
 * {@code xz}), recognised by their magic bytes; read the format with {@code qemu-img info} (raw,
 * which includes ISO images, or qcow2 without a backing file; anything else is refused); convert
 * with {@code qemu-img convert -O raw}, which keeps holes; grow to the request; then link the
 * staged image in as {@code disk.img} and write the marker.
 *
 * <p><b>Already imported:</b> a claim whose {@code disk.img} exists is never written again: placing
 * it is the import's last step on the image, so an existing {@code disk.img} is complete, and it is the
 * user's data (the guest may have written to it). The marker {@code disk.img.imported} beside it
 * records the DataVolume, the source and the time of the import, for people and for
 * {@link Outcome#importedFrom()}. <b>Failure:</b> the staging directory is removed whatever
 * happens (and one a killed qvmm left is removed by the next import of the claim: only
 * {@code .import-*} names whose owner's lock is gone), so an interrupted or failed import leaves no {@code disk.img} (it appears by a hard
 * link from staging, which unlike a rename never replaces an existing one); a completed import
 * registers its undo on the caller's {@link Rollback}, so a start that fails later removes the
 * fresh image too. Once the VM has started, nothing here ever deletes it.
 *
 * <p>A Block claim (a host device) cannot be imported into: qvmm cannot tell whether a device was
 * already filled, and writing it again would destroy the user's data. The one exception is a
 * {@code blank} source, which has nothing to write: the device is used as it is (as CDI does
 * for a blank Block DataVolume), so a blank Block DataVolume can be a real device.
 */
public final class DataVolumeImporter {

    /** The marker's name beside {@code disk.img}. */
    public static final String MARKER = "disk.img.imported";

    private static final long MIB = 1L << 20;
    /** Staging beside the claim's image: {@code .import-<random>/} and its lock file ({@link StagingDirectory}). */
    static final String STAGING_PREFIX = ".import-";

    /** What {@link #importInto} did: {@code imported} false when disk.img was already there (then {@code importedFrom} is its marker's source, if any). */
    public record Outcome(boolean imported, Optional<String> importedFrom) {
    }

    private final QemuImg qemuImg;
    private final Supplier<ContainerDiskStore> registry;
    private final ImportProgress progress;
    private final Duration stallTimeout;
    private final Duration toolTimeout;

    /**
     * @param registry     the image store for registry sources (built only when one is imported)
     * @param stallTimeout how long a download may go without a byte (and how long to connect) before it fails
     * @param toolTimeout  how long one {@code qemu-img convert} or {@code xz -d} may run
     */
    public DataVolumeImporter(QemuImg qemuImg, Supplier<ContainerDiskStore> registry, ImportProgress progress,
            Duration stallTimeout, Duration toolTimeout) {
        this.qemuImg = qemuImg;
        this.registry = registry;
        this.progress = progress;
        this.stallTimeout = stallTimeout;
        this.toolTimeout = toolTimeout;
    }

    /** Host tools from PATH; progress on the terminal when there is one; 60 s stall limit; 1 h per tool run. */
    public static DataVolumeImporter onPath(QemuImg qemuImg, ImportProgress progress) {
        return new DataVolumeImporter(qemuImg, () -> ContainerDiskStore.onPath(qemuImg), progress,
                Duration.ofSeconds(60), Duration.ofHours(1));
    }

    /** Imports {@code a.source()} into {@code a.path()} unless already imported; see the class comment. */
    public Outcome importInto(Artifact.ImportDataVolume a, Rollback rollback) throws IOException {
        Path target = a.path();
        if (a.blockDevice() && a.source() instanceof ImportSource.Blank) {
            // CDI's blank import of a Block claim writes nothing either: the device is the disk as it is.
            return new Outcome(false, Optional.of(a.source().describe()));
        }
        if (a.blockDevice() || Files.exists(target) && !Files.isRegularFile(target)) {
            throw fail(a, VmmException.Kind.SOURCE_UNSUPPORTED, "cannot import into " + target
                    + ", which is not a regular file (a Block claim's device); fill the device yourself and use a "
                    + "persistentVolumeClaim volume instead of the dataVolume");
        }
        // Staging a killed qvmm left beside this claim's image (never the image itself, only .import-* names).
        StagingDirectory.removeAbandoned(target.toAbsolutePath().getParent(), STAGING_PREFIX);
        if (Files.exists(target)) {
            Path marker = target.resolveSibling(MARKER);
            Optional<String> from = Files.isRegularFile(marker)
                    ? Files.readAllLines(marker, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("source="))
                    .map(l -> l.substring("source=".length())).findFirst()
                    : Optional.empty();
            return new Outcome(false, from);
        }
        switch (a.source()) {
            case ImportSource.S3 s -> throw fail(a, VmmException.Kind.SOURCE_UNSUPPORTED, "source s3 (" + s.url()
                    + ") is not supported on a bare host; download the object and use an http or file:/// URL");
            case ImportSource.Upload u -> throw fail(a, VmmException.Kind.SOURCE_UNSUPPORTED, "source upload needs CDI's "
                    + "upload proxy, which a bare host has not; use a file:/// URL in source.http.url instead");
            default -> { }
        }
        if (a.sizeBytes().isPresent()) {
            requireSpace(a, a.sizeBytes().getAsLong() / MIB * MIB);
        }
        List<Path> madeDirs = createParents(target);
        StagingDirectory stagingDir = StagingDirectory.create(target.toAbsolutePath().getParent(), STAGING_PREFIX);
        Path staging = stagingDir.path();
        boolean placed = false;
        try {
            Path staged = staging.resolve("disk.img");
            stage(a, staging, staged, rollback);
            Path marker = target.resolveSibling(MARKER);
            try {
                // link(2) fails when disk.img exists, where rename(2) would replace it
                Files.createLink(target, staged);
            } catch (FileAlreadyExistsException e) {
                throw fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, target + " appeared while importing (another qvmm "
                        + "importing the same claim?); it was left as it is, start again to use it");
            }
            placed = true;
            for (Path d : madeDirs.reversed()) {
                rollback.add(() -> Files.deleteIfExists(d));
            }
            rollback.add(() -> {
                Files.deleteIfExists(target);
                Files.deleteIfExists(marker);
            });
            Path stagedMarker = staging.resolve(MARKER);
            Files.writeString(stagedMarker, "dataVolume=" + a.dataVolume() + "\nsource=" + a.source().describe()
                    + "\nimported=" + java.time.Instant.now() + "\n", StandardCharsets.UTF_8);
            Files.move(stagedMarker, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Outcome(true, Optional.of(a.source().describe()));
        } catch (BlockdevException e) {
            throw fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, e.getMessage(), e);
        } finally {
            stagingDir.close();
            if (!placed) {
                for (Path d : madeDirs) {
                    Files.deleteIfExists(d);
                }
            }
        }
    }

    /** Writes the finished raw image to {@code staged}. */
    private void stage(Artifact.ImportDataVolume a, Path staging, Path staged, Rollback rollback) throws IOException {
        long request = a.sizeBytes().orElse(0) / MIB * MIB;
        Path image;
        switch (a.source()) {
            case ImportSource.Blank b -> {
                if (request == 0) {
                    throw fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "a blank source needs the claim's "
                            + "resources.requests.storage of at least 1Mi (it is " + a.sizeBytes().orElse(0) + " bytes)");
                }
                try (RandomAccessFile f = new RandomAccessFile(staged.toFile(), "rw")) {
                    f.setLength(request);
                }
                return;
            }
            case ImportSource.Http h -> {
                Path download = staging.resolve("download");
                HttpAccess access = HttpAccess.of(a, h);
                try (HttpClient http = access.client().connectTimeout(stallTimeout).build()) {
                    new HttpDownload(http, stallTimeout, progress, access.authorization()).fetch(a, h.url(), download);
                }
                verify(a, download, h.sha256());
                image = decompress(a, download, staging);
            }
            case ImportSource.LocalFile f -> {
                if (!Files.isRegularFile(f.path())) {
                    throw fail(a, VmmException.Kind.IMPORT_SOURCE_NOT_FOUND, "source file " + f.path()
                            + " does not exist or is not a regular file; fix source.http.url");
                }
                verify(a, f.path(), f.sha256());
                image = decompress(a, f.path(), staging);
            }
            case ImportSource.Clone c -> {
                if (!Files.isRegularFile(c.disk())) {
                    throw fail(a, VmmException.Kind.IMPORT_SOURCE_NOT_FOUND, "source claim \"" + c.claimName()
                            + "\" has no image " + c.disk() + "; create or import that claim first");
                }
                image = c.disk();
            }
            case ImportSource.Registry r -> image = registry.get()
                    .pull(a.forName(), r.image(), Optional.empty(), r.storeLink(), rollback).disk();
            case ImportSource.S3 s -> throw new IllegalStateException("refused before staging");
            case ImportSource.Upload u -> throw new IllegalStateException("refused before staging");
        }
        QemuImg.Info info = qemuImg.info(image);
        if (!info.format().equals("raw") && !info.format().equals("qcow2")) {
            throw fail(a, VmmException.Kind.VOLUME_INVALID, "source " + a.source().describe() + " is a " + info.format()
                    + " image; qcow2, raw and ISO images (optionally gzip or xz compressed) are accepted");
        }
        if (info.backingFilename() != null) {
            throw fail(a, VmmException.Kind.VOLUME_INVALID, "source " + a.source().describe() + " has a backing file ("
                    + info.backingFilename() + "); it must be self-contained");
        }
        if (a.sizeBytes().isPresent() && info.virtualSize() > a.sizeBytes().getAsLong()) {
            throw fail(a, VmmException.Kind.VOLUME_INVALID, "source " + a.source().describe() + " has a virtual size of "
                    + info.virtualSize() + " bytes, more than the claim's request of " + a.sizeBytes().getAsLong()
                    + " bytes; raise resources.requests.storage");
        }
        if (a.sizeBytes().isEmpty()) {
            requireSpace(a, info.virtualSize());
        }
        qemuImg.convert(image, info.format(), staged, "raw", toolTimeout);
        if (request > info.virtualSize()) {
            try (RandomAccessFile f = new RandomAccessFile(staged.toFile(), "rw")) {
                f.setLength(request);
            }
        }
    }

    /**
     * The claim's file system must have room for the whole image: the guest may fill every byte of
     * it. The same figure as for a Filesystem claim (free space less {@value ClaimImage#RESERVE_BYTES}
     * bytes), but no tolerance: an import is a DataVolume, whose size CDI never shrinks to fit.
     */
    private static void requireSpace(Artifact.ImportDataVolume a, long bytes) throws IOException {
        long free = ClaimImage.free(a.path());
        if (bytes > free) {
            throw fail(a, VmmException.Kind.INSUFFICIENT_SPACE, "not enough space to import into " + a.path() + ": the image is "
                    + bytes + " bytes, " + free + " bytes are free there (after a " + ClaimImage.RESERVE_BYTES
                    + "-byte reserve); free space there, lower the claim's request, or move the claims directory");
        }
    }

    /** Checks the sha256 of {@code file} when one is expected. */
    private static void verify(Artifact.ImportDataVolume a, Path file, Optional<String> sha256) throws IOException {
        if (sha256.isEmpty()) {
            return;
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        String actual = HexFormat.of().formatHex(md.digest());
        if (!actual.equals(sha256.get())) {
            throw fail(a, VmmException.Kind.IMPORT_CHECKSUM_MISMATCH, "source " + a.source().describe() + " has sha256 "
                    + actual + ", not " + sha256.get() + " as annotation " + dev.qvmm.vmm.spec.DataVolumeSpec.CHECKSUM_ANNOTATION
                    + " asks; the source changed or was corrupted in transit, nothing was imported");
        }
    }

    /** The file itself, or its content decompressed into the staging directory when it is gzip or xz. */
    private Path decompress(Artifact.ImportDataVolume a, Path file, Path staging) throws IOException {
        byte[] magic = new byte[6];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(magic, 0, magic.length);
        }
        Path out = staging.resolve("decompressed");
        if (n >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
                 OutputStream o = Files.newOutputStream(out)) {
                in.transferTo(o);
            } catch (java.util.zip.ZipException e) {
                throw fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "source " + a.source().describe()
                        + " is not valid gzip (" + e.getMessage() + ")", e);
            }
            return out;
        }
        if (n == 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X' && magic[4] == 'Z'
                && magic[5] == 0) {
            Xz.decompress(a, file, out, toolTimeout);
            return out;
        }
        return file;
    }

    /** Creates the missing parent directories of {@code file}; returns them deepest first. */
    private static List<Path> createParents(Path file) throws IOException {
        List<Path> made = new ArrayList<>();
        for (Path d = file.toAbsolutePath().getParent(); d != null && !Files.exists(d); d = d.getParent()) {
            made.add(d);
        }
        for (Path d : made.reversed()) {
            Files.createDirectory(d);
        }
        return made;
    }

    static VmmException fail(Artifact.ImportDataVolume a, VmmException.Kind kind, String why) {
        return fail(a, kind, why, null);
    }

    static VmmException fail(Artifact.ImportDataVolume a, VmmException.Kind kind, String why, Throwable cause) {
        return new VmmException(kind, a.forName(), "volume \"" + a.forName() + "\": DataVolume \"" + a.dataVolume() + "\": "
                + why, List.of(), cause);
    }
}
