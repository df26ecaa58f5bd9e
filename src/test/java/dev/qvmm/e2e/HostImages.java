package dev.qvmm.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Host-side images for the guest suites, made with the same tools a user would use (qemu-img,
 * xorriso), each with a deadline. Parent directories are created as needed.
 */
final class HostImages {

    private static final long TOOL_DEADLINE_SECONDS = 60;

    private HostImages() {
    }

    /** A sparse raw image of exactly {@code bytes}. */
    static Path raw(Path path, long bytes) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return path;
    }

    /** A qcow2 image of virtual size {@code bytes}. */
    static Path qcow2(Path path, long bytes) throws IOException, InterruptedException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        tool(List.of("qemu-img", "create", "-q", "-f", "qcow2", path.toString(), String.valueOf(bytes)));
        return path;
    }

    /** An ISO 9660 image (Joliet and Rock Ridge) of {@code content} with volume identifier {@code label}. */
    static Path iso(Path content, String label, Path out) throws IOException, InterruptedException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        tool(List.of("xorriso", "-as", "mkisofs", "-quiet", "-V", label, "-J", "-r", "-o", out.toString(), content.toString()));
        return out;
    }

    /** The MD5 of a file as lower-case hex, as busybox md5sum prints it. */
    static String md5(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(in.readAllBytes());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    private static void tool(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        // The tools print little; reading after the wait cannot block on a full pipe.
        if (!p.waitFor(TOOL_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish within " + TOOL_DEADLINE_SECONDS + " s");
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", argv) + " failed with exit " + p.exitValue() + ":\n" + out);
        }
    }
}
