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
}
