package dev.qvmm.vmm.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.QmpOptions;
import dev.qvmm.qmp.command.QmpSchema;
import dev.qvmm.qmp.command.QueryQmpSchema;
import dev.qvmm.qmp.command.Quit;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.launch.QemuProcess;
import dev.qvmm.vmm.launch.RunDirectory;
import dev.qvmm.vmm.storage.QemuCapabilities;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a QEMU binary can do, asked of the binary itself: it is started with nothing but a monitor
 * ({@code -machine none -S}), and its QMP greeting and QAPI schema ({@code query-qmp-schema})
 * answer; version numbers decide nothing. The answer is cached per binary (its real path, size
 * and modification time) in a cache directory, so a host pays for one probe per QEMU upgrade.
 */
public final class QemuProbe {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private final Path cacheDir;

    public QemuProbe(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** The cache under {@code $XDG_CACHE_HOME/qvmm/qemu} (else {@code ~/.cache/qvmm/qemu}). */
    public static QemuProbe userCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new QemuProbe(base.resolve("qvmm").resolve("qemu"));
    }

    public QemuCapabilities capabilities(String binary) throws IOException {
        Path real = resolve(binary);
        Path cached = cacheDir.resolve(key(real) + ".json");
        if (Files.isRegularFile(cached)) {
            try {
                JsonNode n = QmpJson.mapper().readTree(cached.toFile());
                return new QemuCapabilities(binary, n.path("version").asText(), n.path("ioUring").asBoolean());
            } catch (IOException e) {
                // an unreadable cache entry is asked again below, and rewritten
            }
        }
        QemuCapabilities caps = probe(binary, real);
        store(cached, caps);
        return caps;
    }

    private static QemuCapabilities probe(String binary, Path real) throws IOException {
        Path dir = Files.createTempDirectory("qvmm-qemu-probe");
        RunDirectory run = new RunDirectory(dir.getParent(), dir);
        QemuProcess qemu = QemuProcess.start(List.of(real.toString(), "-machine", "none", "-nodefaults", "-display", "none",
                "-S", "-qmp", "unix:" + run.qmpSocket() + ",server=on,wait=off"), run, "qemu-probe");
        try {
            qemu.awaitSocket(run.qmpSocket(), DEADLINE, binary);
            try (QmpClient qmp = QmpClient.connect(run.qmpSocket(), QmpOptions.builder().connectTimeout(DEADLINE).build())) {
                QmpSchema schema = qmp.execute(new QueryQmpSchema()).join();
                QemuCapabilities caps = new QemuCapabilities(binary, qmp.greeting().version().toString(),
                        schema.acceptsEnumValue("blockdev-add", "aio", "io_uring"));
                qmp.execute(new Quit()).handle((v, t) -> null).join();
                return caps;
            }
        } catch (dev.qvmm.vmm.VmmException e) {
            throw new IOException(binary + " did not bring up a QMP monitor for probing: " + e.getMessage(), e);
        } finally {
            qemu.kill();
            try {
                qemu.exit().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception ignored) {
                // killed; its temporary directory goes regardless
            }
            run.remove();
        }
    }

    private void store(Path cached, QemuCapabilities caps) {
        try {
            Files.createDirectories(cacheDir);
            ObjectNode json = QmpJson.mapper().createObjectNode().put("version", caps.version()).put("ioUring", caps.ioUring());
            Path tmp = Files.createTempFile(cacheDir, "probe", ".tmp");
            Files.writeString(tmp, json.toString());
            try {
                Files.move(tmp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // A cache that cannot be written costs the next run one probe, nothing more.
        }
    }

    private static Path resolve(String binary) throws IOException {
        Path p = Path.of(binary);
        if (!binary.contains("/")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                Path candidate = Path.of(dir, binary);
                if (Files.isExecutable(candidate)) {
                    p = candidate;
                    break;
                }
            }
        }
        if (!Files.isExecutable(p)) {
            throw new IOException("QEMU binary " + binary + " not found or not executable (install qemu-system-x86, or pass --qemu)");
        }
        return p.toRealPath();
    }

    private static String key(Path real) throws IOException {
        String identity = real + "|" + Files.size(real) + "|" + Files.getLastModifiedTime(real).toMillis();
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
