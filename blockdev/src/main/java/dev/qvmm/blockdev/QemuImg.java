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

    private final String binary;
    private final Duration timeout;

    public QemuImg(String binary, Duration timeout) {
        this.binary = binary;
        this.timeout = timeout;
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

    public Info info(Path path) {
        String json = run(List.of("info", "--output=json", path.toString()), path);
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

    private String run(List<String> args, Path subject, Duration timeout) {
        CommandLine cmd = new CommandLine(binary);
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
            String why = watchdog.killedProcess() ? "timed out after " + timeout.toSeconds() + " s"
                    : "exit " + e.getExitValue() + ": " + err.toString(StandardCharsets.UTF_8).strip();
            throw new BlockdevException(BlockdevException.Kind.IMAGE_TOOL_FAILED, subject.toString(),
                    binary + " " + String.join(" ", args) + " failed (" + why + ")", e);
        } catch (IOException e) {
            throw new BlockdevException(BlockdevException.Kind.IMAGE_TOOL_FAILED, subject.toString(),
                    "cannot run " + binary + " (install qemu-utils): " + e.getMessage(), e);
        }
    }
}
