package dev.qvmm.vmm.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmStoreTest {

    /** What the next daemon needs of a running VM comes back as it was saved, media fd sets too. */
    @Test
    void aRunningVmsRecordReadsBackWhole(@TempDir Path state) throws Exception {
        VmStore store = new VmStore(state);
        VmRecord saved = new VmRecord("vm1", "2026-11-22T00:00:00Z", "RUNNING", "Started", "QEMU pid 42", 42L,
                List.of("/var/lib/qvmm/run/vm1/cloudinit.iso"), null, List.of(), Map.of("cd", List.of("cd-file", "cd-fmt")),
                List.of("root-file", "root-fmt"), Map.of("cd", List.of(3, 4)));
        store.saveRecord(saved);
        assertEquals(saved, store.record("vm1").orElseThrow());
    }

    /** A vm.json written before media fd sets were kept still reads, with none. */
    @Test
    void anOlderRecordWithoutMediaFdSetsReads(@TempDir Path state) throws Exception {
        VmStore store = new VmStore(state);
        Path dir = Files.createDirectories(state.resolve("vms/old"));
        Files.writeString(dir.resolve("vm.json"), """
                {"name": "old", "time": "2026-11-22T00:00:00Z", "phase": "RUNNING", "reason": "Started", "message": "",
                 "qemuPid": 7, "media": {"cd": ["cd-file"]}}
                """);
        VmRecord r = store.record("old").orElseThrow();
        assertEquals(Map.of(), r.mediaFdsets());
        assertEquals(Map.of("cd", List.of("cd-file")), r.media());
    }

    /** A name that would lead out of vms/ never becomes a path, whoever asks. */
    @Test
    void aNameThatLeavesTheStoreIsRefused(@TempDir Path state) throws Exception {
        VmStore store = new VmStore(state);
        for (String bad : List.of("..", ".", "", "../x", "a/b", "a\0b")) {
            org.junit.jupiter.api.Assertions.assertThrows(dev.qvmm.vmm.VmmException.class, () -> store.saveSpec(bad, "x"), bad);
            org.junit.jupiter.api.Assertions.assertThrows(dev.qvmm.vmm.VmmException.class, () -> store.exists(bad), bad);
        }
        try (var files = Files.walk(state)) {
            assertEquals(List.of(state), files.toList());
        }
    }

    /** Deleting a VM removes its persistent EFI variables, so a new VM of that name starts with clean ones. */
    @Test
    void deletingAVmRemovesItsPersistentEfiVariables(@TempDir Path state) throws Exception {
        VmStore store = new VmStore(state);
        store.saveSpec("vm1", "kind: VirtualMachine");
        Path vars = Files.createDirectories(state.resolve("efi/vm1")).resolve("OVMF_VARS.fd");
        Files.write(vars, new byte[]{1});
        Path other = Files.createDirectories(state.resolve("efi/vm2")).resolve("OVMF_VARS.fd");
        Files.write(other, new byte[]{2});
        store.delete("vm1");
        assertEquals(false, Files.exists(vars.getParent()));
        assertEquals(true, Files.exists(other), "another VM's variables stay");
    }
}
