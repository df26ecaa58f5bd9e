package dev.qvmm.vmm.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.vmm.spec.dto.DomainDtos;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code spec.domain.firmware} and {@code spec.domain.features} into a {@link Firmware}, with
 * KubeVirt's defaults and admission rules: {@code efi.secureBoot} defaults to true, and secure boot
 * is refused unless {@code features.smm} is enabled ("SecureBoot requires SMM"); bios and efi
 * exclude each other. Every other feature, and the other domain fields qvmm reads but does not
 * honour ({@code cpu.model}, CPU pinning, {@code memory.hugepages}, {@code clock}, {@code devices.autoattach*}),
 * are warned with their path, never dropped silently.
 */
final class FirmwareConverter {

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** The SMBIOS string limit QEMU 7.2 accepts without complaint is far above this; a serial number is short. */
    static final int MAX_SERIAL_LENGTH = 256;

    private final Problems problems;

    FirmwareConverter(Problems problems) {
        this.problems = problems;
    }

    Firmware convert(DomainDtos.Domain d, String p) {
        String fp = p + ".firmware";
        Optional<Boolean> smm = smm(d.features(), p + ".features");
        DomainDtos.Firmware f = d.firmware();
        if (f == null) {
            return new Firmware(new Firmware.Bootloader.Bios(false), Optional.empty(), Optional.empty(), smm);
        }
        Firmware.Bootloader bootloader = bootloader(f.bootloader(), fp + ".bootloader");
        if (bootloader instanceof Firmware.Bootloader.Efi efi && efi.secureBoot() && !smm.orElse(false)) {
            problems.error(p + ".features.smm", SpecProblem.Rule.UNSUPPORTED_VALUE, p + " has EFI SecureBoot enabled. SecureBoot "
                    + "requires SMM, which is currently disabled; add features: {smm: {}} or set "
                    + "firmware.bootloader.efi.secureBoot: false");
        }
        return new Firmware(bootloader, uuid(f.uuid(), fp + ".uuid"), serial(f.serial(), fp + ".serial"), smm);
    }

    private Firmware.Bootloader bootloader(DomainDtos.Bootloader b, String p) {
        if (b == null || (b.bios() == null && b.efi() == null)) {
            return new Firmware.Bootloader.Bios(false);
        }
        if (b.bios() != null && b.efi() != null) {
            problems.error(p, SpecProblem.Rule.UNSUPPORTED_VALUE, "give bios or efi, not both");
            return new Firmware.Bootloader.Bios(false);
        }
        if (b.bios() != null) {
            return new Firmware.Bootloader.Bios(Boolean.TRUE.equals(b.bios().useSerial()));
        }
        // KubeVirt: an efi bootloader without secureBoot is a secure-boot one.
        return new Firmware.Bootloader.Efi(b.efi().secureBoot() == null || b.efi().secureBoot(),
                Boolean.TRUE.equals(b.efi().persistent()));
    }

    private Optional<UUID> uuid(String text, String p) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        if (!UUID_TEXT.matcher(text).matches()) {
            problems.error(p, SpecProblem.Rule.INVALID_TYPE, "uuid \"" + text + "\" is not a UUID of the form "
                    + "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)");
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(text.toLowerCase(Locale.ROOT)));
    }

    private Optional<String> serial(String text, String p) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        if (text.length() > MAX_SERIAL_LENGTH || !text.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            problems.error(p, SpecProblem.Rule.INVALID_SERIAL, "serial must be 1 to " + MAX_SERIAL_LENGTH
                    + " printable ASCII characters (it becomes an SMBIOS string)");
            return Optional.empty();
        }
        return Optional.of(text);
    }

    /**
     * {@code features.smm} ({@code {}} or {@code {enabled: BOOL}}), honoured; every other feature warned.
     * {@code acpi} enabled is what QEMU's q35 always has, so only {@code acpi.enabled: false} is warned.
     */
    private Optional<Boolean> smm(JsonNode features, String p) {
        if (features == null || features.isNull()) {
            return Optional.empty();
        }
        if (!features.isObject()) {
            problems.error(p, SpecProblem.Rule.INVALID_TYPE, "features must be a mapping");
            return Optional.empty();
        }
        Optional<Boolean> smm = Optional.empty();
        for (Iterator<Map.Entry<String, JsonNode>> it = features.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String fp = p + "." + e.getKey();
            switch (e.getKey()) {
                case "smm" -> smm = Optional.of(enabled(e.getValue(), fp));
                case "acpi" -> {
                    if (!enabled(e.getValue(), fp)) {
                        problems.warn(fp, "qvmm's q35 machine always has ACPI (powerdown needs it); ignored");
                    }
                }
                default -> problems.warn(fp, "feature \"" + e.getKey() + "\" is not honoured by qvmm; ignored");
            }
        }
        return smm;
    }

    /** A KubeVirt FeatureState: {@code {}} (enabled) or {@code {enabled: BOOL}}. */
    private boolean enabled(JsonNode state, String p) {
        if (state == null || state.isNull() || (state.isObject() && !state.has("enabled"))) {
            return true;
        }
        JsonNode v = state.get("enabled");
        if (!state.isObject() || v == null || !v.isBoolean()) {
            problems.error(p + ".enabled", SpecProblem.Rule.INVALID_TYPE, "a feature state is {} or {enabled: true|false}");
            return false;
        }
        return v.booleanValue();
    }

    /** Fields qvmm reads but does not honour: each is warned with its path. */
    void warnIgnored(DomainDtos.Domain d, String p) {
        if (d.cpu() != null && d.cpu().model() != null) {
            problems.warn(p + ".cpu.model", "cpu model \"" + d.cpu().model() + "\" is not honoured: qvmm runs -cpu host "
                    + "under KVM and -cpu max under TCG; ignored");
        }
        if (d.cpu() != null && Boolean.TRUE.equals(d.cpu().dedicatedCpuPlacement())) {
            problems.warn(p + ".cpu.dedicatedCpuPlacement", "vCPUs are not pinned to host CPUs; only the iothread "
                    + "allocation follows KubeVirt's dedicated-CPU rules");
        }
        if (d.resources() != null && d.resources().overcommitGuestOverhead() != null) {
            problems.warn(p + ".resources.overcommitGuestOverhead", "there is no pod memory limit on a bare host; ignored");
        }
        if (d.memory() != null && d.memory().hugepages() != null && !d.memory().hugepages().isNull()) {
            problems.warn(p + ".memory.hugepages", "hugepages are not honoured: guest RAM is ordinary memory; ignored");
        }
        if (d.clock() != null && !d.clock().isNull()) {
            problems.warn(p + ".clock", "clock is not honoured: the guest's RTC follows the host's UTC; ignored");
        }
        DomainDtos.Devices dev = d.devices();
        if (dev == null) {
            return;
        }
        String dp = p + ".devices";
        if (!Boolean.FALSE.equals(dev.autoattachGraphicsDevice())) {
            // KubeVirt's default is true: a VGA device and VNC. qvmm is headless.
            if (dev.autoattachGraphicsDevice() != null) {
                problems.warn(dp + ".autoattachGraphicsDevice", "qvmm attaches no graphics device (-display none); "
                        + "use the serial console; ignored");
            }
        }
        if (Boolean.FALSE.equals(dev.autoattachSerialConsole())) {
            problems.warn(dp + ".autoattachSerialConsole", "qvmm always attaches the serial console (qvmm console, "
                    + "console.log); ignored");
        }
    }
}
