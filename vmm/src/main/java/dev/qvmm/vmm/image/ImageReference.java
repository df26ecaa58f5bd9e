package dev.qvmm.vmm.image;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A container image reference as a containerDisk names it: {@code [host[:port]/]path[:tag][@sha256:hex]}.
 * The text is handed to skopeo unchanged (it applies docker.io's defaults); qvmm only needs the
 * repository (to pull by digest), the pinned digest if any, and whether the registry is on loopback.
 *
 * @param text       the reference as written in the spec
 * @param repository the reference without tag and digest, e.g. {@code 127.0.0.1:5000/disks/probe}
 * @param digest     the pinned manifest digest ({@code sha256:<64 hex>}) when the reference has one
 */
public record ImageReference(String text, String repository, Optional<String> digest) {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9._:/\\[\\]-]+");

    /**
     * Parses {@code text}; a reference with a digest of another algorithm or a malformed one is
     * rejected here, before anything is contacted.
     *
     * @throws IllegalArgumentException naming the reference and what is wrong with it
     */
    public static ImageReference parse(String text) {
        String rest = text;
        Optional<String> digest = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            String d = rest.substring(at + 1);
            if (!DIGEST.matcher(d).matches()) {
                throw new IllegalArgumentException("image " + text + ": digest " + d
                        + " is not sha256:<64 lower-case hex digits>");
            }
            digest = Optional.of(d);
            rest = rest.substring(0, at);
        }
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            rest = rest.substring(0, colon);
        }
        if (!REPOSITORY.matcher(rest).matches() || rest.startsWith("/") || rest.endsWith("/") || rest.contains("//")) {
            throw new IllegalArgumentException("image " + text + " is not a registry reference "
                    + "([host[:port]/]name[:tag][@sha256:digest]) nor an absolute host directory");
        }
        return new ImageReference(text, rest, digest);
    }

    /** The registry host (with port) when the reference names one; docker.io is implied otherwise. */
    public Optional<String> registryHost() {
        int slash = repository.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        String first = repository.substring(0, slash);
        boolean isHost = first.contains(".") || first.contains(":") || first.equals("localhost");
        return isHost ? Optional.of(first) : Optional.empty();
    }

    /**
     * True for a registry on this host (localhost, 127.0.0.0/8, [::1]). qvmm talks to those over
     * plain HTTP or unverified TLS, as container engines do for loopback registries; every other
     * registry must present a certificate the host trusts.
     */
    public boolean loopback() {
        return registryHost().map(h -> {
            String host = h.toLowerCase(Locale.ROOT);
            if (host.startsWith("[")) {
                return host.startsWith("[::1]");
            }
            int colon = host.indexOf(':');
            String name = colon < 0 ? host : host.substring(0, colon);
            return name.equals("localhost") || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
        }).orElse(false);
    }

    /** This image pinned to {@code manifestDigest}: what is pulled, so nothing can change in between. */
    public String pinned(String manifestDigest) {
        return repository + "@" + manifestDigest;
    }

    @Override
    public String toString() {
        return text;
    }
}
