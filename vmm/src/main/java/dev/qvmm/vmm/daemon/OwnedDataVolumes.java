package dev.qvmm.vmm.daemon;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The claims of a VirtualMachine's {@code dataVolumeTemplates}: the VM owns them, so they go when
 * the VM is deleted (never with a stop). Only the import's own files go; a claim directory that
 * holds anything else is not the DataVolume's and stays.
 */
final class OwnedDataVolumes {

    private OwnedDataVolumes() {
    }

    /** Deletes the template DataVolumes' claims of {@code specYaml} under {@code claims}; returns the claim directories. */
    static List<Path> delete(String specYaml, Path claims) throws IOException {
        List<Path> deleted = new ArrayList<>();
        for (String dv : SpecEdit.templateDataVolumes(specYaml)) {
            // A name the spec reader refused never reaches here; the guard is for a spec.yaml edited by hand.
            Path claim = dev.qvmm.vmm.PathGuard.child(claims, "claim of DataVolume", dv);
            Files.deleteIfExists(claim.resolve("disk.img"));
            Files.deleteIfExists(claim.resolve("disk.img.imported"));
            try {
                Files.deleteIfExists(claim);
            } catch (DirectoryNotEmptyException e) {
                // something else lives there: it is not the DataVolume's, so it stays
            }
            deleted.add(claim);
        }
        return deleted;
    }
}
