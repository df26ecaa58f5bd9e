package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.Aio;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.DetectZeroes;
import dev.qvmm.blockdev.Discard;
import dev.qvmm.blockdev.FileNode;
import dev.qvmm.blockdev.Locking;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.blockdev.NodeOptions;
import dev.qvmm.blockdev.RawNode;
import dev.qvmm.vmm.PathGuard;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.Firmware;
import dev.qvmm.vmm.spec.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Plans the firmware (pure, as the rest of planning): SeaBIOS is QEMU's default and needs nothing;
 * UEFI is OVMF picked from the host's firmware descriptors the way libvirt picks it — the first, by
 * file name, that is a {@code uefi} {@code flash} firmware for x86_64 on this machine type with the
 * features asked for. Secure boot asks for {@code secure-boot} and {@code enrolled-keys} (the code
 * and the Microsoft-keys variable store KubeVirt uses); without it {@code secure-boot} is refused.
 * A firmware that {@code requires-smm} gets {@code smm=on} and the secure flash
 * ({@code cfi.pflash01 secure=on}), which only SMM code may write.
 *
 * <p>The variable store is {@code <state>/efi/<vm>/OVMF_VARS.fd} when persistent (kept across
 * starts), else {@code <run>/OVMF_VARS.fd} (fresh each start).
 */
final class FirmwarePlanner {

    static final String EFI_FIELD = "spec.domain.firmware.bootloader.efi";
    static final String VARS_FILE = "OVMF_VARS.fd";
    /** Builds of OVMF for confidential guests: they do not boot an ordinary guest. */
    private static final Set<String> CONFIDENTIAL = Set.of("amd-sev-es", "amd-sev-snp", "intel-tdx");

    private FirmwarePlanner() {
    }

    static FirmwarePlan plan(VmSpec spec, HostFacts host, QemuCapabilities qemu, List<Artifact> artifacts, List<String> notes) {
        Firmware fw = spec.firmware();
        Optional<String> smbios = smbios(fw);
        List<String> machine = new ArrayList<>();
        return switch (fw.bootloader()) {
            case Firmware.Bootloader.Bios bios -> {
                fw.smm().ifPresent(on -> machine.add("smm=" + (on ? "on" : "off")));
                if (bios.useSerial()) {
                    // SeaBIOS writes to the serial port when the machine has no graphics.
                    machine.add("graphics=off");
                }
                yield new FirmwarePlan(machine, List.of(), List.of(), smbios, Optional.empty());
            }
            case Firmware.Bootloader.Efi efi -> {
                String versioned = versionedMachine(spec.machineType(), qemu);
                Set<String> with = efi.secureBoot() ? Set.of("secure-boot", "enrolled-keys") : Set.of();
                Set<String> without = new HashSet<>(CONFIDENTIAL);
                if (!efi.secureBoot()) {
                    without.add("secure-boot");
                }
                if (fw.smm().isPresent() && !fw.smm().get()) {
                    without.add("requires-smm");
                }
                FirmwareDescriptor d = host.firmware().stream().filter(x -> x.fits(versioned, with, without)).findFirst()
                        .orElseThrow(() -> missing(efi, versioned, host));
                boolean requiresSmm = d.features().contains("requires-smm");
                boolean smm = requiresSmm || fw.smm().orElse(false);
                if (fw.smm().isPresent() || smm) {
                    machine.add("smm=" + (smm ? "on" : "off"));
                }
                NodeName code = new NodeName("pflash0-format");
                NodeName vars = new NodeName("pflash1-format");
                machine.add("pflash0=" + code);
                machine.add("pflash1=" + vars);
                Path varsPath = efi.persistent()
                        ? FirmwarePlan.persistentVars(host.stateDir(), spec.name())
                        : PathGuard.child(host.runDir(), "EFI variable store", VARS_FILE);
                artifacts.add(new Artifact.CopyEfiVars("firmware", d.executable(), d.nvramTemplate().orElseThrow(), varsPath,
                        efi.persistent()));
                List<BlockNode> flash = List.of(
                        file("pflash0-storage", d.executable(), true), new RawNode(code, new NodeName("pflash0-storage"), options(true)),
                        file("pflash1-storage", varsPath, false), new RawNode(vars, new NodeName("pflash1-storage"), options(false)));
                notes.add("firmware: OVMF from " + d.file() + (efi.secureBoot() ? " (secure boot, keys enrolled)" : "")
                        + (efi.persistent() ? "; variables kept in " + varsPath : "; fresh variables each start"));
                // Only an SMM build writes its variables from SMM; a secure flash under any other refuses its writes.
                yield new FirmwarePlan(machine, flash, requiresSmm ? List.of("driver=cfi.pflash01,property=secure,value=on") : List.of(),
                        smbios, Optional.of(d));
            }
        };
    }

    /** {@code q35} is an alias of QEMU's newest {@code pc-q35-X.Y}; descriptors name the versioned machines. */
    static String versionedMachine(String machine, QemuCapabilities qemu) {
        if (!machine.equals("q35")) {
            return machine;
        }
        String[] v = qemu.version().split("\\.");
        return "pc-q35-" + v[0] + "." + (v.length > 1 ? v[1] : "0");
    }

    private static VmmException missing(Firmware.Bootloader.Efi efi, String machine, HostFacts host) {
        String what = "UEFI firmware for x86_64 " + machine + (efi.secureBoot() ? " with secure boot and enrolled keys" : " without secure boot");
        String found = host.firmware().isEmpty() ? "no firmware descriptors were found in "
                + String.join(" or ", FirmwareDescriptor.SYSTEM_DIRECTORIES.stream().map(Path::toString).toList())
                : "none of the " + host.firmware().size() + " firmware descriptors fits ("
                + String.join(", ", host.firmware().stream().map(x -> x.file().getFileName().toString()).toList()) + ")";
        return new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, EFI_FIELD, EFI_FIELD + ": no " + what + ": " + found
                + "; install OVMF: apt-get install ovmf");
    }

    /** {@code type=1,uuid=...,serial=...}; QEMU's option syntax escapes a comma in a value by doubling it. */
    static Optional<String> smbios(Firmware fw) {
        if (fw.uuid().isEmpty() && fw.serial().isEmpty()) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder("type=1");
        fw.uuid().ifPresent(u -> sb.append(",uuid=").append(u));
        fw.serial().ifPresent(s -> sb.append(",serial=").append(s.replace(",", ",,")));
        return Optional.of(sb.toString());
    }

    private static FileNode file(String name, Path path, boolean readOnly) {
        return new FileNode(new NodeName(name), path, options(readOnly), Aio.THREADS, Locking.AUTO);
    }

    private static NodeOptions options(boolean readOnly) {
        return new NodeOptions(readOnly, false, Discard.IGNORE, DetectZeroes.OFF);
    }
}
