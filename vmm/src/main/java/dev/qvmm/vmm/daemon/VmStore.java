package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.qmp.wire.QmpJson;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The daemon's VMs on disk: {@code <state-dir>/vms/<name>/spec.yaml} (the stream as it was
 * created) and {@code vm.json} ({@link VmRecord}). Every write goes to a staging file first and
 * is renamed into place, so a daemon killed mid-write leaves the previous version.
 */
final class VmStore {

    private final Path root;
    private final ObjectMapper json = QmpJson.mapper();

    VmStore(Path stateDir) {
        this.root = stateDir.resolve("vms");
    }

    /** Names of every stored VM, sorted. */
    List<String> names() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("spec.yaml"))).forEach(d -> names.add(d.getFileName().toString()));
        }
        names.sort(Comparator.naturalOrder());
        return names;
    }

    boolean exists(String name) {
        return Files.isRegularFile(dir(name).resolve("spec.yaml"));
    }

    String spec(String name) throws IOException {
        return Files.readString(dir(name).resolve("spec.yaml"));
    }

    Optional<VmRecord> record(String name) throws IOException {
        Path f = dir(name).resolve("vm.json");
        return Files.exists(f) ? Optional.of(json.readValue(f.toFile(), VmRecord.class)) : Optional.empty();
    }

    void saveSpec(String name, String yaml) throws IOException {
        Files.createDirectories(dir(name));
        write(dir(name).resolve("spec.yaml"), yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    void saveRecord(VmRecord r) throws IOException {
        Files.createDirectories(dir(r.name()));
        write(dir(r.name()).resolve("vm.json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
    }

    /**
     * Forgets the VM: its spec and record, and its persistent EFI variable store (KubeVirt deletes a
     * VM's persistent state with it), never anything the spec points at.
     */
    void delete(String name) throws IOException {
        dev.qvmm.vmm.PathGuard.removable(root, dir(name), "stored VM");
        dev.qvmm.vmm.storage.FirmwarePlan.deletePersistentVars(root.getParent(), name);
        Files.deleteIfExists(dir(name).resolve("vm.json"));
        Files.deleteIfExists(dir(name).resolve("spec.yaml"));
        Files.deleteIfExists(dir(name));
    }

    /**
     * A VM's directory. The API refuses names no VM can have before they get here; this is the
     * last guard, for any caller: a name that would leave {@code vms/} never becomes a path (a
     * spec that names its VM so is refused as invalid).
     */
    private Path dir(String name) {
        return dev.qvmm.vmm.PathGuard.child(root, "stored VM", name);
    }

    private static void write(Path target, byte[] bytes) throws IOException {
        Path staging = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.write(staging, bytes);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
