package dev.qvmm.vmm.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * A real OCI registry on loopback for tests: Debian's {@code docker-registry} (distribution 2.8)
 * with filesystem storage in a temp dir and an HTTP listener on 127.0.0.1 at a free port, started
 * here and stopped on {@link #close()}. {@link #push} builds an OCI image layout from files (one
 * gzip tar per layer, config and manifest written here) and pushes it with skopeo.
 */
public final class LoopbackRegistry implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private final Process process;

    private LoopbackRegistry(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    public static LoopbackRegistry start(Path dir) throws IOException, InterruptedException {
        int port = freePort();
        Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("storage"), port));
        Process p = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        LoopbackRegistry r = new LoopbackRegistry(dir, port, p);
        try {
            r.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /** A port nothing listens on (it was free a moment ago). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited " + process.exitValue() + ": " + log());
            }
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (ConnectException notYet) {
                // not listening yet: poll again below
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException("docker-registry did not answer GET /v2/ on " + host() + " within " + READY + ": " + log());
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("registry.log"));
    }

    public String host() {
        return "127.0.0.1:" + port;
    }

    /** The registry's stored blob (its {@code data} file) for {@code digest}: tests corrupt it. */
    public Path storedBlob(String digest) {
        String hex = digest.substring("sha256:".length());
        return dir.resolve("storage/docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    /** An image pushed by {@link #push}: its manifest digest and layer digests (bottom first). */
    public record Pushed(String reference, String manifestDigest, List<String> layerDigests, String indexDigest) {
    }

    /**
     * Pushes {@code repoTag} ("name:tag") made of {@code layers}, each a map from a path in the
     * image to the host file holding its content.
     */
    public Pushed push(String repoTag, List<Map<String, Path>> layers, Path work) throws IOException, InterruptedException {
        return push(repoTag, layers, work, List.of());
    }

    /**
     * Pushes the image as {@link #push(String, List, Path)} does; with {@code platforms} (such as
     * "linux/amd64") the tag names an image index listing the one manifest under each platform.
     */
    public Pushed push(String repoTag, List<Map<String, Path>> layers, Path work, List<String> platforms)
            throws IOException, InterruptedException {
        Path layout = Files.createTempDirectory(work, "layout-");
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        ArrayNode layerDescs = JSON.createArrayNode();
        ArrayNode diffIds = JSON.createArrayNode();
        List<String> layerDigests = new ArrayList<>();
        for (Map<String, Path> files : layers) {
            Path tree = Files.createTempDirectory(work, "layer-");
            List<String> top = new ArrayList<>();
            for (Map.Entry<String, Path> f : files.entrySet()) {
                Path target = tree.resolve(f.getKey());
                Files.createDirectories(target.getParent());
                Files.copy(f.getValue(), target);
                String first = f.getKey().split("/")[0];
                if (!top.contains(first)) {
                    top.add(first);
                }
            }
            Path tar = work.resolve(tree.getFileName() + ".tar");
            List<String> cmd = new ArrayList<>(List.of("tar", "-C", tree.toString(), "-cf", tar.toString()));
            cmd.addAll(top);
            run(cmd);
            byte[] plain = Files.readAllBytes(tar);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(gz)) {
                out.write(plain);
            }
            String digest = blob(blobs, gz.toByteArray());
            layerDigests.add(digest);
            diffIds.add(OciLayout.sha256(plain));
            layerDescs.add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, gz.size()));
        }
        ObjectNode config = JSON.createObjectNode().put("architecture", "amd64").put("os", "linux");
        config.putObject("rootfs").put("type", "layers").set("diff_ids", diffIds);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", blob(blobs, configBytes), configBytes.length));
        manifest.set("layers", layerDescs);
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        String manifestDigest = blob(blobs, manifestBytes);
        ObjectNode entry = descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifestBytes.length);
        String indexDigest = null;
        if (!platforms.isEmpty()) {
            ObjectNode imageIndex = JSON.createObjectNode().put("schemaVersion", 2)
                    .put("mediaType", "application/vnd.oci.image.index.v1+json");
            ArrayNode list = imageIndex.putArray("manifests");
            for (String platform : platforms) {
                ObjectNode e = entry.deepCopy();
                e.putObject("platform").put("os", platform.split("/")[0]).put("architecture", platform.split("/")[1]);
                list.add(e);
            }
            byte[] indexBytes = JSON.writeValueAsBytes(imageIndex);
            indexDigest = blob(blobs, indexBytes);
            entry = descriptor("application/vnd.oci.image.index.v1+json", indexDigest, indexBytes.length);
        }
        entry.putObject("annotations").put("org.opencontainers.image.ref.name", "img");
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
        index.putArray("manifests").add(entry);
        Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        run(List.of("skopeo", "copy", "--all", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":img",
                "docker://" + host() + "/" + repoTag));
        return new Pushed(host() + "/" + repoTag, manifestDigest, layerDigests, indexDigest);
    }

    private static ObjectNode descriptor(String mediaType, String digest, long size) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return JSON.valueToTree(d);
    }

    private static String blob(Path blobs, byte[] content) throws IOException {
        String digest = OciLayout.sha256(content);
        Files.write(blobs.resolve(digest.substring("sha256:".length())), content);
        return digest;
    }

    public static String run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("qvmm-test-", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 60 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
