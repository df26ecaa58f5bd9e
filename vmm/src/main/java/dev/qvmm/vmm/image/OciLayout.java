package dev.qvmm.vmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.vmm.VmmException;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads an OCI image layout (as {@code skopeo copy ... oci:DIR:disk} writes it) and unpacks its
 * file system: {@code index.json} -> the image manifest -> its layers, in order. Every blob's
 * SHA-256 is checked against the digest that names it before it is used, so a corrupt or swapped
 * blob fails with {@link VmmException.Kind#IMAGE_DIGEST_MISMATCH} naming the blob.
 *
 * <p>Layers are unpacked with the host's {@code tar} (gzip, zstd or plain), each into its own
 * directory, then merged into the root file system applying OCI whiteouts ({@code .wh.NAME}
 * removes NAME from lower layers, {@code .wh..wh..opq} empties the directory). tar runs with
 * {@code --no-same-owner --no-same-permissions}; GNU tar strips leading '/' and refuses '..'
 * members, and callers only ever take a regular file (never a link) out of the result.
 */
public final class OciLayout {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final Path layout;
    private final String volume;
    private final ImageReference ref;

    public OciLayout(Path layout, String volume, ImageReference ref) {
        this.layout = layout;
        this.volume = volume;
        this.ref = ref;
    }

    /** One layer blob: its digest and media type. */
    public record Layer(String digest, String mediaType) {
    }

    /** The layers of the layout's only image manifest, bottom first, after verifying index and manifest. */
    public List<Layer> layers() throws IOException {
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        JsonNode manifests = index.path("manifests");
        if (manifests.size() != 1) {
            throw unavailable("the pulled OCI layout " + layout + " lists " + manifests.size() + " manifests, expected 1");
        }
        JsonNode manifest = JSON.readTree(verifiedBlob(manifests.get(0).path("digest").asText()));
        List<Layer> layers = new ArrayList<>();
        for (JsonNode l : manifest.path("layers")) {
            layers.add(new Layer(l.path("digest").asText(), l.path("mediaType").asText()));
        }
        if (layers.isEmpty()) {
            throw unavailable("image " + ref + " has no layers, so it holds no disk");
        }
        return layers;
    }

    /** Verifies and unpacks every layer into {@code rootfs}; {@code work} holds one scratch directory per layer. */
    public void unpack(Path rootfs, Path work, Duration tarTimeout) throws IOException {
        Files.createDirectories(rootfs);
        int i = 0;
        for (Layer layer : layers()) {
            Path blob = blobPath(layer.digest());
            verify(layer.digest(), blob);
            Path dir = work.resolve("layer-" + i++);
            Files.createDirectories(dir);
            untar(blob, layer, dir, tarTimeout);
            merge(dir, rootfs);
        }
    }

    private byte[] verifiedBlob(String digest) throws IOException {
        Path blob = blobPath(digest);
        verify(digest, blob);
        return Files.readAllBytes(blob);
    }

    private Path blobPath(String digest) {
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw new VmmException(VmmException.Kind.IMAGE_DIGEST_MISMATCH, volume, "volume \"" + volume + "\": image " + ref
                    + " names a blob by \"" + digest + "\", which is not a sha256 digest; only sha256 is accepted");
        }
        return layout.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
    }

    private void verify(String digest, Path blob) throws IOException {
        String actual = sha256(blob);
        if (!actual.equals(digest)) {
            throw new VmmException(VmmException.Kind.IMAGE_DIGEST_MISMATCH, volume, "volume \"" + volume + "\": image " + ref
                    + ": blob " + digest + " has digest " + actual + "; the pulled copy is corrupt, pull it again");
        }
    }

    /** {@code sha256:<hex>} of a file's content. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /** {@code sha256:<hex>} of bytes. */
    public static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    private void untar(Path blob, Layer layer, Path dir, Duration timeout) throws IOException {
        CommandLine cmd = new CommandLine("tar");
        cmd.addArgument("-x", false);
        String type = layer.mediaType();
        if (type.endsWith("+gzip") || type.endsWith(".tar.gzip")) {
            cmd.addArgument("-z", false);
        } else if (type.endsWith("+zstd") || type.endsWith(".tar.zstd")) {
            cmd.addArgument("--zstd", false);
        } else if (!type.endsWith(".tar") && !type.endsWith(".tar.v1")) {
            throw unavailable("layer " + layer.digest() + " of image " + ref + " has media type " + type
                    + ", which is not a tar layer (plain, gzip or zstd)");
        }
        for (String a : List.of("--no-same-owner", "--no-same-permissions", "-f", blob.toString(), "-C", dir.toString())) {
            cmd.addArgument(a, false);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        exec.setStreamHandler(new PumpStreamHandler(err, err));
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(timeout).get();
        exec.setWatchdog(watchdog);
        try {
            exec.execute(cmd);
        } catch (ExecuteException e) {
            String why = watchdog.killedProcess() ? "timed out after " + timeout.toSeconds() + " s"
                    : "exit " + e.getExitValue() + ": " + err.toString(StandardCharsets.UTF_8).strip();
            throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume + "\": unpacking layer "
                    + layer.digest() + " of image " + ref + " failed (" + why + ")", List.of(), e);
        }
    }

    /** Moves one unpacked layer onto the layers below it, applying whiteouts. */
    private static void merge(Path layer, Path rootfs) throws IOException {
        Files.walkFileTree(layer, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path target = rootfs.resolve(layer.relativize(dir).toString());
                if (Files.exists(dir.resolve(OPAQUE), LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(target);
                }
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(target);
                }
                Files.createDirectories(target);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                Path target = rootfs.resolve(layer.relativize(file).toString());
                if (name.equals(OPAQUE)) {
                    return FileVisitResult.CONTINUE;
                }
                if (name.startsWith(WHITEOUT)) {
                    deleteTree(target.resolveSibling(name.substring(WHITEOUT.length())));
                    return FileVisitResult.CONTINUE;
                }
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(target);
                }
                Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes a file or a directory tree, never following links; absent is fine. */
    static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path c : children.toList()) {
                    deleteTree(c);
                }
            }
        }
        Files.delete(path);
    }

    private VmmException unavailable(String why) {
        return new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume + "\": " + why);
    }
}
