package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.VmmException;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The host's {@code xz}, to decompress an xz-compressed DataVolume source; bounded by a timeout, stderr in the error. */
final class Xz {

    private Xz() {
    }

    static void decompress(Artifact.ImportDataVolume a, Path in, Path out, Duration timeout) throws IOException {
        CommandLine cmd = new CommandLine("xz");
        cmd.addArgument("--decompress", false);
        cmd.addArgument("--stdout", false);
        cmd.addArgument(in.toString(), false);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(timeout).get();
        exec.setWatchdog(watchdog);
        try (OutputStream o = Files.newOutputStream(out)) {
            exec.setStreamHandler(new PumpStreamHandler(o, err));
            exec.execute(cmd);
        } catch (ExecuteException e) {
            String why = watchdog.killedProcess() ? "timed out after " + timeout.toSeconds() + " s"
                    : "exit " + e.getExitValue() + ": " + err.toString(StandardCharsets.UTF_8).strip();
            throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "xz --decompress of source "
                    + a.source().describe() + " failed (" + why + ")", e);
        } catch (IOException e) {
            throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "cannot run xz to decompress source "
                    + a.source().describe() + " (install xz-utils): " + e.getMessage(), e);
        }
    }
}
