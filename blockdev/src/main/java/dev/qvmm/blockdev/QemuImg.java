package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.qmp.wire.QmpJson;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The host's {@code qemu-img}, for the image work QEMU's own tool does best: create, overlay,
 * inspect. Every call has a deadline and puts qemu-img's stderr into the exception it raises.
 */
public final class QemuImg {

    /** What {@code qemu-img info} says of an image. */
    public record Info(String format, long virtualSize, long actualSize, String backingFilename) {
    }

    /**
     * The limits {@link #info} runs under, through util-linux {@code prlimit}: an image qvmm did not
     * make is untrusted, and a crafted qcow2 can make {@code qemu-img info} burn CPU or allocate
     * without end. CDI's importer inspects images with 30 s of CPU and 1 GiB of address space.
     */
    public record InfoLimits(Duration cpu, long addressSpaceBytes) {
        public static final InfoLimits CDI = new InfoLimits(Duration.ofSeconds(30), 1L << 30);

        public InfoLimits {
            if (cpu.toSeconds() < 1 || addressSpaceBytes < (1L << 20)) {
                throw new IllegalArgumentException("info limits " + cpu + " CPU, " + addressSpaceBytes
                        + " bytes address space: at least 1 s and 1 MiB");
            }
        }

        String describe() {
            return "CPU " + cpu.toSeconds() + " s, address space " + (addressSpaceBytes >> 20) + " MiB";
        }
    }

    private final String binary;
    private final Duration timeout;
    private final InfoLimits infoLimits;

    public QemuImg(String binary, Duration timeout) {
        this(binary, timeout, InfoLimits.CDI);
    }

    public QemuImg(String binary, Duration timeout, InfoLimits infoLimits) {
        this.binary = binary;
        this.timeout = timeout;
        this.infoLimits = infoLimits;
    }

    public static QemuImg onPath() {
        return new QemuImg("qemu-img", Duration.ofSeconds(60));
    }

    /** A sparse qcow2 of {@code sizeBytes}. */
    public void createQcow2(Path path, long sizeBytes) {
        run(List.of("create", "-q", "-f", "qcow2", path.toString(), Long.toString(sizeBytes)), path);
    }

    /**
     * Grows the raw image at {@code path} to {@code sizeBytes}; {@code falloc} allocates the new
     * range ({@code --preallocation=falloc}) for a thick-provisioned image, else it stays a hole.
     * Never call it to shrink: qemu-img refuses a smaller size without {@code --shrink}, and so do we.
     */
    public void resize(Path path, long sizeBytes, boolean falloc) {
        List<String> args = new java.util.ArrayList<>(List.of("resize", "-q", "-f", "raw"));
        if (falloc) {
            args.add("--preallocation=falloc");
        }
        args.add(path.toString());
        args.add(Long.toString(sizeBytes));
        run(args, path);
    }

    /** A qcow2 overlay over {@code backing}, whose format is given explicitly (never probed by QEMU). */
    public void createOverlay(Path path, Path backing, String backingFormat) {
        run(List.of("create", "-q", "-f", "qcow2", "-b", backing.toString(), "-F", backingFormat, path.toString()), path);
    }

    /**
     * Converts {@code source}, read as {@code sourceFormat} (given, never probed), into a new image
     * {@code target} of {@code targetFormat}. Zeroed ranges stay holes, so a sparse source gives a
     * sparse target. Conversions of large images take long, hence the call's own {@code timeout}.
     */
    public void convert(Path source, String sourceFormat, Path target, String targetFormat, Duration timeout) {
        run(List.of("convert", "-q", "-f", sourceFormat, "-O", targetFormat, source.toString(), target.toString()),
                target, timeout);
    }

    /**
     * What {@code qemu-img info} says of {@code path}, run under {@link InfoLimits} (every image qvmm
     * inspects is one it did not make). A run ended by a signal is
     * {@link BlockdevException.Kind#IMAGE_INSPECTION_LIMITED}, naming the limits.
     */
    public Info info(Path path) {
        String json;
        try {
            json = run(List.of("info", "--output=json", path.toString()), path, timeout, infoLimits);
        } catch (LimitedRun e) {
            throw new BlockdevException(BlockdevException.Kind.IMAGE_INSPECTION_LIMITED, path.toString(),
                    binary + " info of " + path + " was ended by signal " + e.signal + " under its limits ("
                            + infoLimits.describe() + "), as an untrusted image is inspected; the image is corrupt or "
                            + "crafted to exhaust the host, replace it" + (e.stderr.isEmpty() ? "" : " (stderr: " + e.stderr + ")"));
        }
        try {
            JsonNode n = QmpJson.mapper().readTree(json);
            return new Info(n.path("format").asText(), n.path("virtual-size").asLong(), n.path("actual-size").asLong(),
                    n.path("backing-filename").asText(null));
        } catch (IOException e) {
            throw new BlockdevException(BlockdevException.Kind.IMAGE_TOOL_FAILED, path.toString(),
                    binary + " info printed no JSON for " + path + ": " + json, e);
        }
    }

    private String run(List<String> args, Path subject) {
        return run(args, subject, timeout);
    }

    /** A limited run that a signal ended (exit status 128 + signal). */
    private static final class LimitedRun extends RuntimeException {
        final int signal;
        final String stderr;

        LimitedRun(int signal, String stderr) {
            super(null, null, false, false);
            this.signal = signal;
            this.stderr = stderr;
        }
    }

    private String run(List<String> args, Path subject, Duration timeout) {
        return run(args, subject, timeout, null);
    }

    private String run(List<String> args, Path subject, Duration timeout, InfoLimits limits) {
        CommandLine cmd;
        if (limits == null) {
            cmd = new CommandLine(binary);
        } else {
            // prlimit execs qemu-img, so the exit status is qemu-img's own (128 + signal when one ended it).
            cmd = new CommandLine("prlimit");
            cmd.addArgument("--cpu=" + limits.cpu().toSeconds(), false);
            cmd.addArgument("--as=" + limits.addressSpaceBytes(), false);
            cmd.addArgument("--", false);
            cmd.addArgument(binary, false);
        }
        args.forEach(a -> cmd.addArgument(a, false));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        exec.setStreamHandler(new PumpStreamHandler(out, err));
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(timeout).get();
        exec.setWatchdog(watchdog);
        try {
            exec.execute(cmd);
            return out.toString(StandardCharsets.UTF_8);
        } catch (ExecuteException e) {
            if (limits != null && !watchdog.killedProcess() && e.getExitValue() > 128 && e.getExitValue() < 128 + 65) {
                throw new LimitedRun(e.getExitValue() - 128, err.toString(StandardCharsets.UTF_8).strip());
            }
            String why = watchdog.killedProcess() ? "timed out after " + timeout.toSeconds() + " s"
                    : "exit " + e.getExitValue() + ": " + err.toString(StandardCharsets.UTF_8).strip();
            throw new BlockdevException(BlockdevException.Kind.IMAGE_TOOL_FAILED, subject.toString(),
                    binary + " " + String.join(" ", args) + " failed (" + why + ")", e);
        } catch (IOException e) {
            throw new BlockdevException(BlockdevException.Kind.IMAGE_TOOL_FAILED, subject.toString(),
                    "cannot run " + (limits == null ? binary : "prlimit " + binary) + " (install qemu-utils"
                            + (limits == null ? "" : " and util-linux") + "): " + e.getMessage(), e);
        }
    }
}
