package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.PathGuard;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kubernetes' name rules, applied to every name and key read from a spec, the API or the CLI
 * before any of them becomes a path (run directories, claims, ConfigMap and Secret directories,
 * ISO files, virtiofs sockets). One place, so the rules cannot drift between front-ends.
 *
 * <ul>
 *   <li>{@link Kind#VM}: a DNS-1123 subdomain of at most 63 characters (KubeVirt: a VM's name becomes its hostname).</li>
 *   <li>{@link Kind#OBJECT}: a DNS-1123 subdomain of at most 253 characters (ConfigMap, Secret, ServiceAccount,
 *       PersistentVolumeClaim, PersistentVolume, DataVolume, StorageClass).</li>
 *   <li>{@link Kind#NAMESPACE}: a DNS-1123 label (at most 63 characters).</li>
 *   <li>{@link Kind#REFERENCE}: a name that refers to such an object (claimName, secretName, ...). Kubernetes does not
 *       check these when a VM is admitted (a pod naming a missing claim just waits), and KubeVirt's own documents
 *       name a claim {@code vmi-shared_pvc}; so a reference is held to the ConfigMap-key character set
 *       ({@code [-._a-zA-Z0-9]}, at most 253) which keeps it one safe path component, not to the subdomain rule.</li>
 *   <li>{@link Kind#DEVICE}: a disk, volume or filesystem name: a DNS-1123 label (at most 63 characters). KubeVirt's
 *       admitter refuses any other disk name (it becomes a container name); a volume or filesystem has a disk's name,
 *       or becomes a pod volume name, which Kubernetes holds to the same rule.</li>
 *   <li>{@link Kind#KEY}: a ConfigMap or Secret key, as Kubernetes defines it: {@code [-._a-zA-Z0-9]+}, at most 253,
 *       not {@code .} or {@code ..}, and not starting with {@code ..}.</li>
 * </ul>
 */
public final class ObjectNames {

    private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern KEY_CHARS = Pattern.compile("[-._a-zA-Z0-9]+");

    /** What a name names, and so which rule holds it. */
    public enum Kind {
        VM(63, "a DNS-1123 subdomain of at most 63 characters: lowercase letters, digits, '-' and '.', starting and "
                + "ending with a letter or digit (a VM's name becomes its hostname)"),
        OBJECT(253, "a DNS-1123 subdomain of at most 253 characters: lowercase letters, digits, '-' and '.', starting "
                + "and ending with a letter or digit (Kubernetes' rule for object names)"),
        NAMESPACE(63, "a DNS-1123 label of at most 63 characters: lowercase letters, digits and '-', starting and ending "
                + "with a letter or digit"),
        REFERENCE(253, "the name of an object: at most 253 characters of letters, digits, '-', '_' and '.', not . or .."),
        DEVICE(63, "a DNS-1123 label of at most 63 characters: lowercase letters, digits and '-', starting and ending "
                + "with a letter or digit (KubeVirt's rule for disk names)"),
        KEY(253, "a ConfigMap/Secret key: at most 253 characters of letters, digits, '-', '_' and '.', not . or .., "
                + "not starting with ..");

        final int maxLength;
        final String rule;

        Kind(int maxLength, String rule) {
            this.maxLength = maxLength;
            this.rule = rule;
        }
    }

    private ObjectNames() {
    }

    /** Why {@code name} is not a valid name of {@code kind}, or empty when it is. */
    public static Optional<String> problem(Kind kind, String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("a name is required: " + kind.rule);
        }
        boolean ok = name.length() <= kind.maxLength && switch (kind) {
            case VM, OBJECT -> SUBDOMAIN.matcher(name).matches();
            case NAMESPACE, DEVICE -> LABEL.matcher(name).matches();
            case REFERENCE -> KEY_CHARS.matcher(name).matches() && !name.equals(".") && !name.equals("..");
            case KEY -> KEY_CHARS.matcher(name).matches() && !name.equals(".") && !name.startsWith("..");
        };
        if (ok) {
            return Optional.empty();
        }
        String shown = "\"" + PathGuard.printable(name) + "\"";
        String length = name.length() > kind.maxLength ? " (" + name.length() + " characters, at most " + kind.maxLength + ")" : "";
        return Optional.of(shown + length + " is not a valid name: use " + kind.rule);
    }

    public static boolean valid(Kind kind, String name) {
        return problem(kind, name).isEmpty();
    }

    /** Records a problem at {@code path} when {@code name} breaks the rule; true when it is valid. */
    static boolean check(Problems problems, String path, Kind kind, String name) {
        Optional<String> why = problem(kind, name);
        why.ifPresent(w -> problems.error(path, SpecProblem.Rule.INVALID_NAME, w));
        return why.isEmpty();
    }

    /**
     * A path inside an image or directory (containerDisk {@code path}, kernelBoot {@code kernelPath}/{@code initrdPath}),
     * as KubeVirt's admitter holds it: absolute, not {@code /} itself, and without relative components ({@code .},
     * {@code ..}, an empty one from {@code //}; one trailing slash is allowed); and with no control characters.
     * Records a problem and returns false otherwise.
     */
    static boolean checkContainedPath(Problems problems, String path, String value) {
        String why = null;
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            why = "must have no control characters";
        } else if (value.equals("/")) {
            why = "must not point to the image's root; name the file, such as /disk/disk.img";
        } else if (!value.startsWith("/")) {
            why = "must be an absolute path inside the image, such as /disk/disk.img";
        } else {
            String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            for (String part : trimmed.substring(1).split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    why = "must be an absolute path without relative components ('.', '..' or '//') and stay inside its image";
                    break;
                }
            }
        }
        if (why != null) {
            problems.error(path, SpecProblem.Rule.INVALID_NAME, "\"" + PathGuard.printable(value) + "\" " + why);
        }
        return why == null;
    }
}
