package dev.qvmm.vmm.spec;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code spec.domain.firmware} (except kernelBoot) and the SMM feature it depends on, validated and
 * defaulted as KubeVirt's webhooks do.
 *
 * @param bootloader what boots the guest: SeaBIOS (the default) or OVMF
 * @param uuid       {@code firmware.uuid}: the SMBIOS system (type 1) UUID; empty leaves QEMU's default
 * @param serial     {@code firmware.serial}: the SMBIOS system serial number, as given
 * @param smm        {@code features.smm}: empty when not given (QEMU's default for the machine), else enabled or not
 */
public record Firmware(Bootloader bootloader, Optional<UUID> uuid, Optional<String> serial, Optional<Boolean> smm) {

    /** SeaBIOS, no SMBIOS values, SMM as QEMU defaults it. */
    public static final Firmware DEFAULT = new Firmware(new Bootloader.Bios(false), Optional.empty(), Optional.empty(), Optional.empty());

    public Firmware {
        Objects.requireNonNull(bootloader, "bootloader");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(smm, "smm");
    }

    /** {@code firmware.bootloader}: one of KubeVirt's two. */
    public sealed interface Bootloader {

        /**
         * SeaBIOS, QEMU's default firmware; disks boot in {@code bootOrder}.
         *
         * @param useSerial {@code bios.useSerial}: SeaBIOS writes its messages to the serial console
         */
        record Bios(boolean useSerial) implements Bootloader {
        }

        /**
         * OVMF from the host's firmware descriptors.
         *
         * @param secureBoot {@code efi.secureBoot} (KubeVirt's default: true): the secure-boot build with Microsoft's
         *                   keys enrolled, which needs SMM
         * @param persistent {@code efi.persistent}: the NVRAM (variable store) is kept across starts under the state
         *                   directory; otherwise every start gets a fresh copy of the template
         */
        record Efi(boolean secureBoot, boolean persistent) implements Bootloader {
        }
    }
}
