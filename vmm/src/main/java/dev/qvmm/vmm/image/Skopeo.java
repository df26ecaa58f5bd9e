package dev.qvmm.vmm.image;

import dev.qvmm.vmm.VmmException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's {@code skopeo} (Debian package skopeo), which speaks the registry protocol (auth,
 * redirects, mirrors from /etc/containers/registries.conf) so qvmm does not have to. Each call has
 * a deadline; a failure becomes a {@link VmmException} whose kind comes from {@link #classify}
 * and whose message carries skopeo's stderr.
 *
 * <p>TLS: a registry on loopback ({@link ImageReference#loopback()}) is used without TLS
 * verification (plain HTTP works too), like container engines treat localhost; any other registry
 * must present a certificate the host trusts. There is deliberately no switch to turn verification
 * off for remote registries.
 */
public final class Skopeo {

    private static final Pattern FATAL = Pattern.compile("level=fatal msg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String binary;
    private final Duration inspectTimeout;
    private final Duration copyTimeout;

    public Skopeo(String binary, Duration inspectTimeout, Duration copyTimeout) {
        this.binary = binary;
        this.inspectTimeout = inspectTimeout;
        this.copyTimeout = copyTimeout;
    }

    /** {@code skopeo} from PATH: two minutes to read a manifest, thirty to copy an image. */
    public static Skopeo onPath() {
        return new Skopeo("skopeo", Duration.ofMinutes(2), Duration.ofMinutes(30));
    }

    /**
     * The manifest (or image index) the registry serves for {@code ref}, byte for byte as served,
     * so that its SHA-256 is its digest. skopeo does not verify it against a pinned digest here;
     * the caller does.
     */
    public byte[] inspectRaw(String volume, ImageReference ref) {
        List<String> args = new ArrayList<>(List.of("inspect", "--raw", "--retry-times", "0"));
        args.add("--tls-verify=" + !ref.loopback());
        args.add("docker://" + ref.text());
        return run(volume, ref, args, inspectTimeout);
    }

    /** Copies {@code pinned} (a {@code repository@sha256:...} reference) into an OCI layout at {@code layout}. */
    public void copyToOciLayout(String volume, ImageReference ref, String pinned, Path layout) {
        List<String> args = new ArrayList<>(List.of("copy", "--quiet", "--retry-times", "0"));
        args.add("--src-tls-verify=" + !ref.loopback());
        args.add("docker://" + pinned);
        args.add("oci:" + layout + ":disk");
        run(volume, ref, args, copyTimeout);
    }

    private byte[] run(String volume, ImageReference ref, List<String> args, Duration timeout) {
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
            return out.toByteArray();
        } catch (ExecuteException e) {
            String stderr = fatalMessage(err.toString(StandardCharsets.UTF_8).strip());
            VmmException.Kind kind = watchdog.killedProcess() ? VmmException.Kind.REGISTRY_UNREACHABLE : classify(stderr);
            String why = watchdog.killedProcess() ? "timed out after " + timeout.toSeconds() + " s"
                    : "exit " + e.getExitValue() + ": " + stderr;
            throw new VmmException(kind, volume, "volume \"" + volume + "\": pulling image " + ref + " failed: "
                    + binary + " " + args.getFirst() + " " + why + "; " + advice(kind, ref), List.of(), e);
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.SOURCE_UNSUPPORTED, volume, "volume \"" + volume
                    + "\": cannot run " + binary + " to pull image " + ref + " (install the skopeo package): " + e.getMessage(),
                    List.of(), e);
        }
    }

    /** skopeo logs {@code time="..." level=fatal msg="WHAT"}; WHAT is the part worth showing. */
    static String fatalMessage(String stderr) {
        Matcher m = FATAL.matcher(stderr);
        return m.find() ? m.group(1).replace("\\\"", "\"") : stderr;
    }

    /**
     * The one place skopeo's stderr is read for meaning: skopeo exits 1 for every failure, so its
     * text (from containers/image) is all there is. Unknown text is {@link VmmException.Kind#VOLUME_UNAVAILABLE}.
     */
    static VmmException.Kind classify(String stderr) {
        String s = stderr.toLowerCase(java.util.Locale.ROOT);
        if (s.contains("digest did not match") || s.contains("does not match provided manifest digest")
                || s.contains("does not match digest")) {
            return VmmException.Kind.IMAGE_DIGEST_MISMATCH;
        }
        if (s.contains("manifest unknown") || s.contains("name unknown") || s.contains("not found")) {
            return VmmException.Kind.IMAGE_NOT_FOUND;
        }
        if (s.contains("pinging container registry") || s.contains("connection refused") || s.contains("no such host")
                || s.contains("i/o timeout") || s.contains("no route to host") || s.contains("tls:")
                || s.contains("x509:") || s.contains("server gave http response")) {
            return VmmException.Kind.REGISTRY_UNREACHABLE;
        }
        return VmmException.Kind.VOLUME_UNAVAILABLE;
    }

    private static String advice(VmmException.Kind kind, ImageReference ref) {
        return switch (kind) {
            case REGISTRY_UNREACHABLE -> "check that the registry " + ref.registryHost().orElse("docker.io")
                    + " is up and reachable from this host, then start the VM again";
            case IMAGE_NOT_FOUND -> "check the image name, tag or digest in the volume's containerDisk.image";
            case IMAGE_DIGEST_MISMATCH -> "the registry served content that does not match its digest; "
                    + "do not use this registry's copy until it is repaired";
            default -> "see skopeo's message above";
        };
    }
}
