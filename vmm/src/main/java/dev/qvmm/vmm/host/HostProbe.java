package dev.qvmm.vmm.host;


import dev.qvmm.vmm.storage.HostFacts;
import dev.qvmm.vmm.storage.QemuCapabilities;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

/**
 * Read-only probes of the host for planning: where O_DIRECT works, and the QEMU binary's version. Opens files for reading and runs
 * {@code qemu --version}; never creates, writes or deletes anything.
 */
public final class HostProbe {

    private static final Pattern VERSION = Pattern.compile("version ([0-9]+\\.[0-9]+\\.[0-9]+)");

    private HostProbe() {
    }

    /**
     * The paths among {@code paths} where O_DIRECT does not work: an existing file is opened
     * read-only with O_DIRECT; for a file still to be made, the nearest existing directory's file
     * system decides (tmpfs and ramfs have no O_DIRECT on the kernels qvmm targets).
     */
    public static Set<Path> withoutDirectIo(Collection<Path> paths) {
        Set<Path> out = new HashSet<>();
        for (Path p : paths) {
            if (!directIo(p)) {
                out.add(p);
            }
        }
        return out;
    }

    static boolean directIo(Path path) {
        if (Files.isRegularFile(path)) {
            try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
                return true;
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        if (Files.exists(path)) {
            // Block devices and the like: QEMU opens them with O_DIRECT wherever the driver allows.
            return true;
        }
        Path dir = path.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null) {
            return true;
        }
        try {
            FileStore store = Files.getFileStore(dir);
            return !Set.of("tmpfs", "ramfs").contains(store.type());
        } catch (IOException e) {
            return true;
        }
    }

    /** {@code binary --version}, within 10 s; io_uring is reported as absent until the QAPI schema probe exists. */
    public static QemuCapabilities qemu(String binary) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        exec.setStreamHandler(new PumpStreamHandler(out));
        exec.setWatchdog(ExecuteWatchdog.builder().setTimeout(Duration.ofSeconds(10)).get());
        try {
            exec.execute(CommandLine.parse(binary).addArgument("--version"));
        } catch (IOException e) {
            throw new IOException(binary + " --version failed: " + e.getMessage() + "; output: " + out, e);
        }
        Matcher m = VERSION.matcher(out.toString());
        if (!m.find()) {
            throw new IOException(binary + " --version printed no version: " + out);
        }
        return new QemuCapabilities(binary, m.group(1), false);
    }
}
