package dev.qvmm.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Every path qvmm builds from a name or a key goes through here: it must stay strictly under the
 * root it belongs to, and never be that root. Names are validated where they are read (Kubernetes'
 * rules, {@code dev.qvmm.vmm.spec.ObjectNames}); this is the defence behind that, so a name that
 * slipped past a validator (a new code path, a file edited by hand) still cannot reach outside.
 *
 * <p>Two checks: {@link #child} is lexical (the joined path, normalised, must start with the
 * normalised root and be longer); {@link #realChild} also resolves symbolic links of the parts that
 * exist, for paths inside directories qvmm does not own (an image's rootfs, where a link may point
 * anywhere). Refuses, never repairs: a bad name is the caller's error, not something to sanitise.
 */
public final class PathGuard {

    private PathGuard() {
    }

    /**
     * {@code root/part[/part...]}, checked to stay strictly under {@code root}. Each part must be one
     * non-empty path component that is neither {@code .} nor {@code ..} and holds no NUL.
     *
     * @param what what the path is, for the message ("run directory of VM", "claim", ...)
     * @throws VmmException of kind {@link VmmException.Kind#PATH_ESCAPES_ROOT}
     */
    public static Path child(Path root, String what, String... parts) {
        Path base = root.toAbsolutePath().normalize();
        Path p = base;
        for (String part : parts) {
            if (part == null || part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('/') >= 0
                    || part.indexOf('\0') >= 0) {
                throw escape(what, base, String.valueOf(part));
            }
            p = p.resolve(part);
        }
        return inside(base, p.normalize(), what);
    }

    /** {@code candidate} (absolute, or relative to {@code root}) checked lexically to lie strictly under {@code root}. */
    public static Path inside(Path root, Path candidate, String what) {
        Path base = root.toAbsolutePath().normalize();
        Path p = base.resolve(candidate).normalize();
        if (!p.startsWith(base) || p.equals(base)) {
            throw escape(what, base, candidate.toString());
        }
        return p;
    }

    /**
     * As {@link #inside}, and again after symbolic links are resolved: the real path of the longest
     * existing prefix of {@code candidate} must lie under the real path of {@code root}. For files in
     * directories whose contents qvmm does not control (a container image's rootfs).
     */
    public static Path realChild(Path root, Path candidate, String what) {
        Path lexical = inside(root, candidate, what);
        try {
            Path realRoot = root.toRealPath();
            Path existing = lexical;
            while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return lexical;
            }
            Path real = existing.toRealPath().resolve(existing.relativize(lexical)).normalize();
            if (!real.startsWith(realRoot) || real.equals(realRoot)) {
                throw new VmmException(VmmException.Kind.PATH_ESCAPES_ROOT, lexical.toString(), what + " " + lexical
                        + " resolves through a symbolic link to " + real + ", outside " + realRoot
                        + "; qvmm only reads files that are really inside it");
            }
            return real;
        } catch (IOException e) {
            // The root is missing or a link dangles: nothing outside can be reached through it; the caller's own
            // existence check reports the missing file.
            return lexical;
        }
    }

    /**
     * For removal code: {@code target} must lie strictly under {@code root} (lexically and, when both
     * exist, really) and must not itself be a symbolic link to a directory elsewhere. Returns the target.
     */
    public static Path removable(Path root, Path target, String what) {
        Path p = inside(root, target, what);
        if (Files.exists(root) && Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(p)) {
            realChild(root, p, what);
        }
        return p;
    }

    private static VmmException escape(String what, Path root, String name) {
        return new VmmException(VmmException.Kind.PATH_ESCAPES_ROOT, name, what + " \"" + printable(name)
                + "\" would not be a name inside " + root + "; a name is one path component (no '/', '.', '..' or NUL)");
    }

    /** The string with control characters shown as \\uXXXX, so a message never carries a NUL or an escape sequence. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length() && i < 256; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > 256) {
            b.append("... (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }
}
