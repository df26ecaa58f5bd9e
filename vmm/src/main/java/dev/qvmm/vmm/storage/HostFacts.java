package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.host.Accelerator;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What planning needs to know about the host, gathered beforehand (by a probe, or written out in a
 * test) so that planning itself reads and changes nothing.
 *
 * @param claimsDir             where Filesystem claims live: {@code <claimsDir>/<claim>/disk.img}
 * @param runDir                this VM's run directory (overlays, empty disks, ISOs)
 * @param imageStore            where pulled container disks are unpacked: {@code <imageStore>/<image key>/}
 * @param accelerator           the accelerator chosen for this host
 * @param withoutDirectIo       paths (files or directories) where O_DIRECT failed; everything under them too
 * @param claimDevices          host block devices bound to Block claims, by claim name
 * @param persistentReservation whether qemu-pr-helper runs here (KubeVirt's PersistentReservation gate)
 * @param prHelperSocket        qemu-pr-helper's socket
 * @param preferIoUring         the host config asks for io_uring where QEMU has it
 * @param spareRootPorts        empty pcie-root-ports to leave for hotplug
 * @param stateDir              qvmm's state directory (the default parent of every root below)
 * @param configMapsDir         ConfigMaps missing from the YAML stream, a directory of files (one per key) each:
 *                              {@code <configMapsDir>/<name>}
 * @param secretsDir            the same for Secrets: {@code <secretsDir>/<name>}
 * @param serviceAccountsDir    the same for ServiceAccounts: {@code <serviceAccountsDir>/<name>}
 * @param expandDisks           grow a Filesystem claim's disk.img at start when its request grew (KubeVirt's ExpandDisks)
 * @param tolerateLessSpacePercent how much smaller than requested a new claim image may be made when space is short
 * @param firmware              QEMU's firmware descriptors found on the host, by priority (see {@link FirmwareDescriptor#load})
 * @param network               host ports chosen for forwarded guest ports, host bridges for bridged NICs
 */
public record HostFacts(Path claimsDir, Path runDir, Path imageStore, Accelerator accelerator,
                        Set<Path> withoutDirectIo, Map<String, Path> claimDevices, boolean persistentReservation,
                        Path prHelperSocket, boolean preferIoUring, int spareRootPorts, Path stateDir,
                        Path configMapsDir, Path secretsDir, Path serviceAccountsDir, boolean expandDisks,
                        int tolerateLessSpacePercent, List<FirmwareDescriptor> firmware, HostNetwork network) {

    /** Facts without firmware descriptors (a VM asking for UEFI is refused). */
    public HostFacts(Path claimsDir, Path runDir, Path imageStore, Accelerator accelerator,
                     Set<Path> withoutDirectIo, Map<String, Path> claimDevices, boolean persistentReservation,
                     Path prHelperSocket, boolean preferIoUring, int spareRootPorts, Path stateDir,
                     Path configMapsDir, Path secretsDir, Path serviceAccountsDir, boolean expandDisks,
                     int tolerateLessSpacePercent) {
        this(claimsDir, runDir, imageStore, accelerator, withoutDirectIo, claimDevices, persistentReservation, prHelperSocket,
                preferIoUring, spareRootPorts, stateDir, configMapsDir, secretsDir, serviceAccountsDir, expandDisks,
                tolerateLessSpacePercent, List.of(), HostNetwork.NONE);
    }

    /** Facts with the ConfigMap, Secret and ServiceAccount roots under {@code stateDir}, no disk expansion, 10 % tolerance. */
    public HostFacts(Path claimsDir, Path runDir, Path imageStore, Accelerator accelerator,
                     Set<Path> withoutDirectIo, Map<String, Path> claimDevices, boolean persistentReservation,
                     Path prHelperSocket, boolean preferIoUring, int spareRootPorts, Path stateDir) {
        this(claimsDir, runDir, imageStore, accelerator, withoutDirectIo, claimDevices, persistentReservation, prHelperSocket,
                preferIoUring, spareRootPorts, stateDir, stateDir.resolve("configmaps"), stateDir.resolve("secrets"),
                stateDir.resolve("serviceaccounts"), false, 10);
    }

    /** These facts with {@code network} for the VM's NICs. */
    public HostFacts withNetwork(HostNetwork network) {
        return new HostFacts(claimsDir, runDir, imageStore, accelerator, withoutDirectIo, claimDevices, persistentReservation,
                prHelperSocket, preferIoUring, spareRootPorts, stateDir, configMapsDir, secretsDir, serviceAccountsDir, expandDisks,
                tolerateLessSpacePercent, firmware, network);
    }

    public HostFacts {
        Objects.requireNonNull(claimsDir, "claimsDir");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(imageStore, "imageStore");
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(prHelperSocket, "prHelperSocket");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(configMapsDir, "configMapsDir");
        Objects.requireNonNull(secretsDir, "secretsDir");
        Objects.requireNonNull(serviceAccountsDir, "serviceAccountsDir");
        if (tolerateLessSpacePercent < 0 || tolerateLessSpacePercent > 100) {
            throw new IllegalArgumentException("tolerateLessSpacePercent " + tolerateLessSpacePercent + " is not within 0..100");
        }
        withoutDirectIo = Set.copyOf(withoutDirectIo);
        firmware = List.copyOf(firmware);
        claimDevices = Map.copyOf(claimDevices);
        Objects.requireNonNull(network, "network");
        if (spareRootPorts < 0) {
            throw new IllegalArgumentException("spareRootPorts " + spareRootPorts + " is negative");
        }
    }

    /**
     * The fixed facts golden tests plan against: /var/lib/qvmm layout, TCG, O_DIRECT everywhere, 2 spare ports,
     * and Debian 12's OVMF descriptors (package ovmf 2022.11).
     */
    public static HostFacts example() {
        return new HostFacts(Path.of("/var/lib/qvmm/claims"), Path.of("/run/qvmm/vm"), Path.of("/var/lib/qvmm/images"),
                Accelerator.TCG, Set.of(), Map.of(), false, Path.of("/run/qemu-pr-helper.sock"), false, 2,
                Path.of("/var/lib/qvmm")).withFirmware(debianOvmf());
    }

    /** These facts with {@code descriptors} as the host's firmware. */
    public HostFacts withFirmware(List<FirmwareDescriptor> descriptors) {
        return new HostFacts(claimsDir, runDir, imageStore, accelerator, withoutDirectIo, claimDevices, persistentReservation,
                prHelperSocket, preferIoUring, spareRootPorts, stateDir, configMapsDir, secretsDir, serviceAccountsDir,
                expandDisks, tolerateLessSpacePercent, descriptors, network);
    }

    /** The three descriptors Debian 12's ovmf package installs, as {@link FirmwareDescriptor#load} reads them. */
    static List<FirmwareDescriptor> debianOvmf() {
        Path dir = Path.of("/usr/share/qemu/firmware");
        Path ovmf = Path.of("/usr/share/OVMF");
        Map<String, List<String>> q35 = Map.of("x86_64", List.of("pc-q35-*"));
        return List.of(
                new FirmwareDescriptor(dir.resolve("40-edk2-x86_64-secure-enrolled.json"), Set.of("uefi"), "flash",
                        ovmf.resolve("OVMF_CODE_4M.ms.fd"), "raw", java.util.Optional.of(ovmf.resolve("OVMF_VARS_4M.ms.fd")), "raw",
                        q35, Set.of("acpi-s3", "amd-sev", "enrolled-keys", "requires-smm", "secure-boot", "verbose-dynamic")),
                new FirmwareDescriptor(dir.resolve("50-edk2-x86_64-secure.json"), Set.of("uefi"), "flash",
                        ovmf.resolve("OVMF_CODE_4M.secboot.fd"), "raw", java.util.Optional.of(ovmf.resolve("OVMF_VARS_4M.fd")), "raw",
                        q35, Set.of("acpi-s3", "amd-sev", "requires-smm", "secure-boot", "verbose-dynamic")),
                new FirmwareDescriptor(dir.resolve("60-edk2-x86_64.json"), Set.of("uefi"), "flash",
                        ovmf.resolve("OVMF_CODE_4M.fd"), "raw", java.util.Optional.of(ovmf.resolve("OVMF_VARS_4M.fd")), "raw",
                        Map.of("x86_64", List.of("pc-i440fx-*", "pc-q35-*")), Set.of("acpi-s3", "amd-sev", "verbose-dynamic")));
    }

    /** Whether O_DIRECT works at {@code path}, per the probe. */
    public boolean directIo(Path path) {
        for (Path p : withoutDirectIo) {
            if (path.startsWith(p)) {
                return false;
            }
        }
        return true;
    }
}
