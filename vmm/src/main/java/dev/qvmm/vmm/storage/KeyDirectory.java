package dev.qvmm.vmm.storage;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A ConfigMap or Secret as a directory, written the way the kubelet's AtomicWriter does it, so a
 * reader (the guest, through virtiofs) sees either the old set of files or the new one, never a
 * mix: the data lives in a timestamped directory {@code ..<time>}, {@code ..data} links to it,
 * and each key is a link {@code key -> ..data/key}. An update writes a new timestamped directory
 * and renames a fresh {@code ..data} link over the old one (one atomic rename), then drops the
 * old directory.
 */
final class KeyDirectory {

    private static final String DATA = "..data";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.SSSSSSSSS");

    private KeyDirectory() {
    }

    /** Writes {@code data} into {@code dir} (created if missing), replacing what an earlier write put there. */
    static void write(Path dir, Map<String, byte[]> data) throws IOException {
        for (String key : data.keySet()) {
            if (!key.matches("[-._a-zA-Z0-9]+") || key.startsWith("..") || key.equals(".")) {
                throw new IOException("key \"" + key + "\" is not a valid file name for a ConfigMap or Secret "
                        + "(letters, digits, '-', '_', '.'; not starting with \"..\")");
            }
        }
        Files.createDirectories(dir);
        Path old = Files.isSymbolicLink(dir.resolve(DATA)) ? dir.resolve(Files.readSymbolicLink(dir.resolve(DATA))) : null;
        Path stamped = uniqueStamped(dir);
        for (Map.Entry<String, byte[]> e : data.entrySet()) {
            Path f = stamped.resolve(e.getKey());
            Files.write(f, e.getValue());
            // Kubernetes' defaultMode, for Secrets too
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path tmp = dir.resolve(DATA + "_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, stamped.getFileName());
        Files.move(tmp, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String key : data.keySet()) {
            Path link = dir.resolve(key);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of(DATA, key));
            }
        }
        try (Stream<Path> entries = Files.list(dir)) {
            Set<String> keys = data.keySet();
            for (Path p : entries.toList()) {
                String n = p.getFileName().toString();
                if (!n.startsWith("..") && Files.isSymbolicLink(p) && !keys.contains(n)) {
                    Files.delete(p);
                }
            }
        }
        if (old != null && !old.equals(stamped)) {
            try (Stream<Path> files = Files.walk(old)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Path uniqueStamped(Path dir) throws IOException {
        while (true) {
            try {
                return Files.createDirectory(dir.resolve(".." + LocalDateTime.now().format(STAMP)));
            } catch (FileAlreadyExistsException e) {
                // two writes within one clock tick: take the next one
            }
        }
    }
}
