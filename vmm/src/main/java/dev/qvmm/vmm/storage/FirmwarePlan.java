package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.BlockNode;
import java.util.List;
import java.util.Optional;

/**
 * What the firmware adds to QEMU's command line: {@code -machine} properties ({@code smm},
 * {@code pflash0}/{@code pflash1}, {@code graphics}), the flash images as {@code -blockdev} nodes,
 * {@code -global}s (the secure flash) and the SMBIOS type 1 table.
 *
 * @param machineOptions e.g. {@code smm=on}, {@code pflash0=pflash0-format}, each {@code key=value}
 * @param flash          code then variable store, protocol node before its format node
 * @param globals        {@code -global} values
 * @param smbios         {@code -smbios} value, when the spec gives a uuid or serial
 * @param descriptor     the firmware descriptor OVMF was picked from (UEFI only)
 */
public record FirmwarePlan(List<String> machineOptions, List<BlockNode> flash, List<String> globals, Optional<String> smbios,
                           Optional<FirmwareDescriptor> descriptor) {

    /** SeaBIOS with QEMU's defaults: nothing on the command line. */
    public static final FirmwarePlan SEABIOS = new FirmwarePlan(List.of(), List.of(), List.of(), Optional.empty(), Optional.empty());

    public FirmwarePlan {
        machineOptions = List.copyOf(machineOptions);
        flash = List.copyOf(flash);
        globals = List.copyOf(globals);
        java.util.Objects.requireNonNull(smbios, "smbios");
        java.util.Objects.requireNonNull(descriptor, "descriptor");
    }

    /** Where {@code firmware.bootloader.efi.persistent} keeps VM {@code vm}'s variable store: {@code <state>/efi/<vm>/OVMF_VARS.fd}. */
    public static java.nio.file.Path persistentVars(java.nio.file.Path stateDir, String vm) {
        return dev.qvmm.vmm.PathGuard.child(stateDir, "persistent EFI variable store of VM", "efi", vm, "OVMF_VARS.fd");
    }

    /**
     * Removes VM {@code vm}'s persistent variable store and its directory, as KubeVirt removes a
     * VM's persistent state with the VM (never when it merely stops). Returns the file if it was there.
     */
    public static java.util.Optional<java.nio.file.Path> deletePersistentVars(java.nio.file.Path stateDir, String vm)
            throws java.io.IOException {
        java.nio.file.Path vars = persistentVars(stateDir, vm);
        boolean was = java.nio.file.Files.deleteIfExists(vars);
        java.nio.file.Files.deleteIfExists(vars.getParent());
        return was ? java.util.Optional.of(vars) : java.util.Optional.empty();
    }
}
