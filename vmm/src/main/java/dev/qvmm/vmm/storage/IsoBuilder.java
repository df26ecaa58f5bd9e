package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Builds a generated ISO ({@link Artifact.BuildIso}): ISO 9660 with Joliet and Rock Ridge, made by
 * the host's {@code xorriso} (or {@code genisoimage} when xorriso is missing) through Commons Exec
 * with a timeout, padded to a multiple of 4096 bytes, and written atomically: the files are laid
 * out in a staging directory and the image in a staging file beside the target, then renamed over
 * it. Every input is resolved (ConfigMaps, Secrets and ServiceAccounts kept as host directories are
 * listed here, at prepare time, and their files streamed into the staging tree) and every file's
 * size checked against what an ISO can carry before anything is created, so bad input leaves
 * nothing behind.
 */
public final class IsoBuilder {

    /** ISO sizes are padded to this, the block size QEMU and guests like best. */
    public static final int ALIGNMENT = 4096;

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final List<String> TOOLS = List.of("xorriso", "genisoimage");

    private final List<Path> searchPath;

    /** Looks for the tools in {@code searchPath}, in order. */
    public IsoBuilder(List<Path> searchPath) {
        this.searchPath = List.copyOf(searchPath);
    }

    /** Looks for the tools in {@code $PATH}. */
    public static IsoBuilder onPath() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return new IsoBuilder(Arrays.stream(path.split(":")).filter(s -> !s.isEmpty()).map(Path::of).toList());
    }

    /** Builds {@code iso}, registering its removal with {@code rollback}; returns its path. */
    public Path build(Artifact.BuildIso iso, Rollback rollback) throws IOException {
        SortedMap<String, IsoFiles.Content> files = IsoFiles.contents(iso.forName(), iso.content(), IsoBuilder::readDirectory);
        Path tool = tool(iso.forName());
        Path target = iso.path().toAbsolutePath();
        HostFiles.createParents(target, rollback);
        String base = target.getFileName().toString();
        Path tree = Files.createTempDirectory(target.getParent(), "." + base + ".files-");
        Path staging = target.resolveSibling("." + base + ".staging");
        try {
            for (Map.Entry<String, IsoFiles.Content> f : files.entrySet()) {
                Path file = dev.qvmm.vmm.PathGuard.inside(tree, Path.of(f.getKey()), "ISO file of volume " + iso.forName());
                Files.createDirectories(file.getParent());
                switch (f.getValue()) {
                    case IsoFiles.Bytes b -> Files.write(file, b.bytes());
                    // Streamed: a key's file may be far larger than qvmm's heap.
                    case IsoFiles.HostFile h -> Files.copy(h.path(), file);
                }
            }
            Files.deleteIfExists(staging);
            run(iso, tool, List.of("-output", staging.toString(), "-volid", iso.label(), "-joliet", "-rock",
                    "-input-charset", "utf-8", tree.toString()));
            try (RandomAccessFile f = new RandomAccessFile(staging.toFile(), "rw")) {
                long size = f.length();
                f.setLength((size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            rollback.add(() -> Files.deleteIfExists(target));
            return target;
        } finally {
            Files.deleteIfExists(staging);
            deleteTree(tree);
        }
    }

    private Path tool(String volume) {
        for (String name : TOOLS) {
            for (Path dir : searchPath) {
                Path p = dir.resolve(name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new VmmException(VmmException.Kind.ISO_BUILD_FAILED, volume, "volume \"" + volume + "\": neither xorriso nor "
                + "genisoimage is on the PATH (" + searchPath.stream().map(Path::toString).reduce((a, b) -> a + ":" + b).orElse("")
                + "); install xorriso (apt-get install xorriso) to build its ISO");
    }

    private static void run(Artifact.BuildIso iso, Path tool, List<String> args) {
        CommandLine cmd = new CommandLine(tool.toString());
        if (tool.getFileName().toString().equals("xorriso")) {
            cmd.addArgument("-as", false);
            cmd.addArgument("mkisofs", false);
        }
        args.forEach(a -> cmd.addArgument(a, false));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        exec.setStreamHandler(new PumpStreamHandler(out, err));
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(TIMEOUT).get();
        exec.setWatchdog(watchdog);
        try {
            exec.execute(cmd);
        } catch (ExecuteException e) {
            String why = watchdog.killedProcess() ? "timed out after " + TIMEOUT.toSeconds() + " s"
                    : "exit " + e.getExitValue() + ": " + err.toString(StandardCharsets.UTF_8).strip();
            throw new VmmException(VmmException.Kind.ISO_BUILD_FAILED, iso.forName(), "volume \"" + iso.forName() + "\": "
                    + tool + " could not build " + iso.path() + " (" + why + ")", List.of(), e);
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.ISO_BUILD_FAILED, iso.forName(), "volume \"" + iso.forName()
                    + "\": cannot run " + tool + ": " + e.getMessage(), List.of(), e);
        }
    }

    /**
     * A ConfigMap, Secret or ServiceAccount kept on the host: every regular file of {@code dir} is a
     * key, listed with its size and copied only when the ISO is built. Names starting with a dot are
     * skipped (Kubernetes' own {@code ..data} links).
     */
    static SortedMap<String, IsoFiles.Content> readDirectory(String volume, String kind, String name, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume + "\": " + kind + " \""
                    + name + "\" is neither in the YAML stream nor a directory at " + dir
                    + "; add the " + kind + " to the stream, or create that directory with one file per key");
        }
        SortedMap<String, IsoFiles.Content> data = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String key = f.getFileName().toString();
                if (!key.startsWith(".")) {
                    data.put(key, new IsoFiles.HostFile(f, Files.size(f)));
                }
            }
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume + "\": cannot read "
                    + kind + " \"" + name + "\" from " + dir + ": " + e.getMessage(), List.of(), e);
        }
        return data;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
