package dev.qvmm.vmm.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.qvmm.virtiofsd.ShareOptions.RunAs;
import dev.qvmm.vmm.VmmException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads a host configuration file: one YAML mapping whose keys are {@link HostConfig}'s components
 * ({@code claims}, {@code configMaps}, {@code secrets}, {@code serviceAccounts}, {@code images},
 * {@code pvcTolerateLessSpaceUpToPercent}, {@code expandDisks}, {@code persistentReservation},
 * {@code prHelperSocket}, {@code ioUring}, {@code spareRootPorts}, {@code accelerator},
 * {@code allowedPaths}, {@code virtiofsd}, {@code virtiofsdUser} as {@code "UID:GID"}, {@code bridges}: a mapping of multus networkName to host bridge, {@code blockClaims}: a mapping of
 * claim name to block device path). A key left out, or left empty, keeps its default. Paths must be absolute. Unknown keys and
 * bad values are never skipped: every one is reported at once, naming the file, the key and the value.
 */
public final class HostConfigReader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private HostConfigReader() {
    }

    /** {@code file} over {@link HostConfig#defaults(Path)} of {@code stateDir}. */
    public static HostConfig read(Path file, Path stateDir) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw invalid(file, List.of("not YAML: " + e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw invalid(file, List.of("cannot be read: " + e), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return HostConfig.defaults(stateDir);
        }
        if (!root.isObject()) {
            throw invalid(file, List.of("must be a mapping of settings, not a " + root.getNodeType().toString().toLowerCase()), null);
        }
        return new Fields(file, root, HostConfig.defaults(stateDir)).config();
    }

    private static VmmException invalid(Path file, List<String> errors, Throwable cause) {
        StringBuilder sb = new StringBuilder("host config ").append(file).append(": ");
        if (errors.size() == 1) {
            sb.append(errors.getFirst());
        } else {
            sb.append(errors.size()).append(" problems");
            errors.forEach(e -> sb.append("\n  ").append(e));
        }
        return new VmmException(VmmException.Kind.HOST_CONFIG_INVALID, file.toString(), sb.toString(), List.of(), cause);
    }

    /** One pass over the file's keys, collecting every error. */
    private static final class Fields {
        private final Path file;
        private final JsonNode root;
        private final HostConfig d;
        private final List<String> errors = new ArrayList<>();

        Fields(Path file, JsonNode root, HostConfig defaults) {
            this.file = file;
            this.root = root;
            this.d = defaults;
        }

        HostConfig config() {
            List<String> known = List.of("claims", "configMaps", "secrets", "serviceAccounts", "images",
                    "pvcTolerateLessSpaceUpToPercent", "expandDisks", "persistentReservation", "prHelperSocket", "ioUring",
                    "spareRootPorts", "accelerator", "allowedPaths", "virtiofsd", "virtiofsdUser", "blockClaims", "bridges");
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                if (!known.contains(e.getKey())) {
                    errors.add("key \"" + e.getKey() + "\" (value " + e.getValue() + ") is not a host setting; known keys: "
                            + String.join(", ", known));
                }
            }
            HostConfig c = new HostConfig(path("claims", d.claims()), path("configMaps", d.configMaps()),
                    path("secrets", d.secrets()), path("serviceAccounts", d.serviceAccounts()), path("images", d.images()),
                    integer("pvcTolerateLessSpaceUpToPercent", d.pvcTolerateLessSpaceUpToPercent(), 0, 100),
                    bool("expandDisks", d.expandDisks()), bool("persistentReservation", d.persistentReservation()),
                    path("prHelperSocket", d.prHelperSocket()), bool("ioUring", d.ioUring()),
                    integer("spareRootPorts", d.spareRootPorts(), 0, 240), accelerator(), allowedPaths(),
                    scalar("virtiofsd", d.virtiofsd(), v -> Optional.ofNullable(absolute("virtiofsd", v))),
                    virtiofsdUser(), blockClaims(), bridges());
            if (!errors.isEmpty()) {
                throw invalid(file, errors, null);
            }
            return c;
        }

        private <T> T scalar(String key, T fallback, Function<JsonNode, T> parse) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            T parsed = parse.apply(v);
            return parsed != null ? parsed : fallback;
        }

        private Path path(String key, Path fallback) {
            return scalar(key, fallback, v -> absolute(key, v));
        }

        private Path absolute(String key, JsonNode v) {
            if (!v.isTextual() || v.asText().isBlank()) {
                errors.add("key \"" + key + "\": value " + v + " is not a path; write an absolute path");
                return null;
            }
            try {
                Path p = Path.of(v.asText());
                if (!p.isAbsolute()) {
                    errors.add("key \"" + key + "\": value \"" + v.asText() + "\" is a relative path; write an absolute path");
                    return null;
                }
                return p.normalize();
            } catch (InvalidPathException e) {
                errors.add("key \"" + key + "\": value \"" + v.asText() + "\" is not a valid path (" + e.getReason() + ")");
                return null;
            }
        }

        private boolean bool(String key, boolean fallback) {
            return scalar(key, fallback, v -> {
                if (!v.isBoolean()) {
                    errors.add("key \"" + key + "\": value " + v + " is not true or false");
                    return null;
                }
                return v.asBoolean();
            });
        }

        private int integer(String key, int fallback, int min, int max) {
            return scalar(key, fallback, v -> {
                if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
                    errors.add("key \"" + key + "\": value " + v + " is not a whole number within " + min + ".." + max);
                    return null;
                }
                return v.asInt();
            });
        }

        private Optional<Accelerator> accelerator() {
            return scalar("accelerator", d.accelerator(), v -> {
                String s = v.asText();
                if (!v.isTextual()) {
                    errors.add("key \"accelerator\": value " + v + " is not auto, kvm or tcg");
                    return null;
                }
                if (s.equalsIgnoreCase("auto")) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(Accelerator.parse(s));
                } catch (IllegalArgumentException e) {
                    errors.add("key \"accelerator\": value \"" + s + "\" is not auto, kvm or tcg");
                    return null;
                }
            });
        }

        private Optional<RunAs> virtiofsdUser() {
            return scalar("virtiofsdUser", d.virtiofsdUser(), v -> {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9}):(\\d{1,9})").matcher(v.asText());
                if (!v.isTextual() || !m.matches()) {
                    errors.add("key \"virtiofsdUser\": value " + v + " is not \"UID:GID\" (numbers, e.g. \"1000:1000\")");
                    return null;
                }
                return Optional.of(new RunAs(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
            });
        }

        /** {@code blockClaims}: claim name (a DNS-1123 name, as Kubernetes requires) to an absolute device path. */
        private Map<String, Path> blockClaims() {
            return scalar("blockClaims", d.blockClaims(), v -> {
                if (!v.isObject()) {
                    errors.add("key \"blockClaims\": value " + v + " is not a mapping of claim name to block device path "
                            + "(e.g. data: /dev/sdb)");
                    return null;
                }
                Map<String, Path> out = new java.util.LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : v.properties()) {
                    if (!e.getKey().matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
                        errors.add("key \"blockClaims\": claim name \"" + e.getKey() + "\" is not a valid claim name "
                                + "(lowercase letters, digits, '-' and '.')");
                        continue;
                    }
                    Path p = absolute("blockClaims." + e.getKey(), e.getValue());
                    if (p != null) {
                        out.put(e.getKey(), p);
                    }
                }
                return out;
            });
        }

        /** {@code bridges}: multus networkName to the name of an existing host bridge (a Linux interface name). */
        private Map<String, String> bridges() {
            return scalar("bridges", d.bridges(), v -> {
                if (!v.isObject()) {
                    errors.add("key \"bridges\": value " + v + " is not a mapping of network name to host bridge (e.g. lan: br0)");
                    return null;
                }
                Map<String, String> out = new java.util.LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : v.properties()) {
                    String bridge = e.getValue().asText("");
                    if (!e.getValue().isTextual() || !bridge.matches("[A-Za-z0-9_.-]{1,15}") || bridge.equals(".") || bridge.equals("..")) {
                        errors.add("key \"bridges." + e.getKey() + "\": " + e.getValue() + " is not a Linux interface name "
                                + "(1 to 15 letters, digits, '_', '.' and '-')");
                        continue;
                    }
                    out.put(e.getKey(), bridge);
                }
                return out;
            });
        }

        private List<Path> allowedPaths() {
            return scalar("allowedPaths", d.allowedPaths(), v -> {
                if (!v.isArray()) {
                    errors.add("key \"allowedPaths\": value " + v + " is not a list of absolute directories");
                    return null;
                }
                List<Path> out = new ArrayList<>();
                for (JsonNode item : v) {
                    Path p = absolute("allowedPaths", item);
                    if (p != null) {
                        out.add(p);
                    }
                }
                return out;
            });
        }
    }
}
