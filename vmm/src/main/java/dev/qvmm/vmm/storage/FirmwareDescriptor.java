package dev.qvmm.vmm.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One of QEMU's firmware descriptors ({@code docs/interop/firmware.json}): the JSON files QEMU's
 * packages install under {@code /usr/share/qemu/firmware}, and that libvirt reads to find OVMF.
 * Only what picking a UEFI flash image needs is kept; a file of another shape (a {@code memory} or
 * {@code kernel} mapping, a non-x86_64 target) is still read, and simply never matches.
 *
 * <p>{@link #load(List)} follows the specification's search rules: the directories are given from
 * the highest priority down (e.g. {@code /etc/qemu/firmware} before {@code /usr/share/qemu/firmware});
 * a file name found in a higher one hides the same name below, an empty file hides it and adds
 * nothing, and the result is ordered by file name, which is the priority ({@code 40-...} before
 * {@code 60-...}).
 *
 * @param file          where it was read (its name is its priority)
 * @param interfaceTypes e.g. {@code uefi}, {@code bios}
 * @param device        the mapping's device: {@code flash} is the one a pflash drive can use
 * @param executable    the code image
 * @param executableFormat its format ({@code raw} or {@code qcow2})
 * @param nvramTemplate the variable store template, when the firmware has one
 * @param nvramTemplateFormat its format
 * @param targets       architecture -> machine type globs ({@code pc-q35-*})
 * @param features      e.g. {@code secure-boot}, {@code enrolled-keys}, {@code requires-smm}
 */
public record FirmwareDescriptor(Path file, Set<String> interfaceTypes, String device, Path executable,
                                 String executableFormat, Optional<Path> nvramTemplate, String nvramTemplateFormat,
                                 Map<String, List<String>> targets, Set<String> features) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Descriptors are small; anything larger is not one. */
    private static final long MAX_BYTES = 64 * 1024;

    public FirmwareDescriptor {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(nvramTemplate, "nvramTemplate");
        interfaceTypes = Set.copyOf(interfaceTypes);
        targets = Map.copyOf(targets);
        features = Set.copyOf(features);
    }

    /** The descriptor directories QEMU's specification and libvirt search, highest priority first. */
    public static final List<Path> SYSTEM_DIRECTORIES = List.of(Path.of("/etc/qemu/firmware"), Path.of("/usr/share/qemu/firmware"));

    /**
     * Whether this is a UEFI flash firmware for x86_64 that runs on {@code machine} (a versioned name,
     * {@code pc-q35-7.2}) and has every feature in {@code with} and none in {@code without}.
     */
    public boolean fits(String machine, Set<String> with, Set<String> without) {
        if (!interfaceTypes.contains("uefi") || !device.equals("flash") || nvramTemplate.isEmpty()
                || !features.containsAll(with) || without.stream().anyMatch(features::contains)) {
            return false;
        }
        List<String> globs = targets.getOrDefault("x86_64", List.of());
        return globs.stream().anyMatch(g -> glob(g).matcher(machine).matches());
    }

    private static Pattern glob(String g) {
        StringBuilder sb = new StringBuilder();
        for (char c : g.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }

    /**
     * The descriptors in {@code directories} (highest priority first; missing directories are
     * skipped), ordered by file name. A file that is not valid JSON of the expected shape is
     * reported in {@code unreadable} and skipped, as libvirt does.
     */
    public static List<FirmwareDescriptor> load(List<Path> directories, List<String> unreadable) {
        Map<String, Path> byName = new TreeMap<>();
        for (Path dir : directories) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var s = Files.list(dir)) {
                for (Path f : s.filter(x -> x.getFileName().toString().endsWith(".json")).toList()) {
                    byName.putIfAbsent(f.getFileName().toString(), f);
                }
            } catch (IOException e) {
                unreadable.add(dir + ": " + e.getMessage());
            }
        }
        List<FirmwareDescriptor> out = new ArrayList<>();
        for (Path f : byName.values()) {
            try {
                if (Files.size(f) == 0) {
                    continue; // an empty file masks the same name in a lower-priority directory
                }
                if (Files.size(f) > MAX_BYTES) {
                    unreadable.add(f + ": larger than " + MAX_BYTES + " bytes");
                    continue;
                }
                out.add(parse(f, JSON.readTree(f.toFile())));
            } catch (IOException | IllegalArgumentException | NullPointerException e) {
                unreadable.add(f + ": " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    static FirmwareDescriptor parse(Path file, JsonNode root) {
        Set<String> interfaces = strings(root.path("interface-types"));
        JsonNode mapping = root.path("mapping");
        String device = mapping.path("device").asText("");
        JsonNode exec = mapping.path("executable");
        String execName = exec.path("filename").asText("");
        if (device.equals("flash") && execName.isEmpty()) {
            throw new IllegalArgumentException("mapping.executable.filename is missing");
        }
        Path executable = Path.of(execName.isEmpty() ? mapping.path("filename").asText("/") : execName);
        JsonNode vars = mapping.path("nvram-template");
        Optional<Path> template = vars.path("filename").isTextual() ? Optional.of(Path.of(vars.path("filename").asText()))
                : Optional.empty();
        Map<String, List<String>> targets = new TreeMap<>();
        for (JsonNode t : root.path("targets")) {
            List<String> machines = new ArrayList<>();
            t.path("machines").forEach(m -> machines.add(m.asText()));
            targets.computeIfAbsent(t.path("architecture").asText(""), k -> new ArrayList<>()).addAll(machines);
        }
        return new FirmwareDescriptor(file, interfaces, device, executable, exec.path("format").asText("raw"), template,
                vars.path("format").asText("raw"), targets, strings(root.path("features")));
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
