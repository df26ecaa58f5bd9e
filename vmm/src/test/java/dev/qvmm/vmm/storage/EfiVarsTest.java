package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-VM UEFI variable store: kept when persistent, fresh otherwise, nothing left by a failure. */
class EfiVarsTest {

    @TempDir
    Path dir;

    private Path template() throws Exception {
        Path t = dir.resolve("ovmf/VARS.fd");
        Files.createDirectories(t.getParent());
        Files.write(t, new byte[]{1, 2, 3, 4});
        Files.write(dir.resolve("ovmf/CODE.fd"), new byte[]{9});
        return t;
    }

    @Test
    void persistentStoreIsCopiedOnceThenKept() throws Exception {
        Path vars = dir.resolve("state/efi/vm1/OVMF_VARS.fd");
        Artifact.CopyEfiVars a = new Artifact.CopyEfiVars("firmware", dir.resolve("ovmf/CODE.fd"), template(), vars, true);
        List<Path> ephemeral = new ArrayList<>();
        try (Rollback r = new Rollback()) {
            EfiVars.prepare(a, r, ephemeral);
            r.commit();
        }
        assertArrayEquals(new byte[]{1, 2, 3, 4}, Files.readAllBytes(vars));
        Files.write(vars, new byte[]{7, 7}); // the guest wrote a variable
        try (Rollback r = new Rollback()) {
            EfiVars.prepare(a, r, ephemeral);
            r.commit();
        }
        assertArrayEquals(new byte[]{7, 7}, Files.readAllBytes(vars));
        assertEquals(List.of(), ephemeral, "a persistent store is not removed with the run");
        assertFalse(a.ephemeral());
    }

    @Test
    void freshStoreReplacesALeftoverAndGoesWithTheRun() throws Exception {
        Path vars = dir.resolve("run/vm1/OVMF_VARS.fd");
        Files.createDirectories(vars.getParent());
        Files.write(vars, new byte[]{7, 7});
        List<Path> ephemeral = new ArrayList<>();
        try (Rollback r = new Rollback()) {
            EfiVars.prepare(new Artifact.CopyEfiVars("firmware", dir.resolve("ovmf/CODE.fd"), template(), vars, false), r, ephemeral);
            r.commit();
        }
        assertArrayEquals(new byte[]{1, 2, 3, 4}, Files.readAllBytes(vars));
        assertEquals(List.of(vars), ephemeral);
    }

    @Test
    void missingOvmfNamesThePackageAndLeavesNothing() throws Exception {
        Path vars = dir.resolve("state/efi/vm1/OVMF_VARS.fd");
        VmmException e = assertThrows(VmmException.class, () -> {
            try (Rollback r = new Rollback()) {
                EfiVars.prepare(new Artifact.CopyEfiVars("firmware", dir.resolve("none/CODE.fd"), dir.resolve("none/VARS.fd"),
                        vars, true), r, new ArrayList<>());
                r.commit();
            }
        });
        assertEquals(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, e.kind());
        assertTrue(e.getMessage().contains("apt-get install ovmf"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("state")), "nothing is created before the firmware is found");
    }

    @Test
    void aLinkInPlaceOfAPersistentStoreIsRefused() throws Exception {
        Path vars = dir.resolve("state/efi/vm1/OVMF_VARS.fd");
        Files.createDirectories(vars.getParent());
        Files.createSymbolicLink(vars, Path.of("/etc/passwd"));
        VmmException e = assertThrows(VmmException.class, () -> {
            try (Rollback r = new Rollback()) {
                EfiVars.prepare(new Artifact.CopyEfiVars("firmware", dir.resolve("ovmf/CODE.fd"), template(), vars, true), r,
                        new ArrayList<>());
            }
        });
        assertEquals(VmmException.Kind.VOLUME_INVALID, e.kind());
    }
}
