package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.host.Accelerator;

import java.nio.file.Path;
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
 * @param stateDir              where ConfigMaps, Secrets and ServiceAccounts missing from the YAML stream are kept as
 *                              directories of files, one per key: {@code <stateDir>/configmaps/<name>},
 *                              {@code <stateDir>/secrets/<name>}, {@code <stateDir>/serviceaccounts/<name>}
 */
public record HostFacts(Path claimsDir, Path runDir, Path imageStore, Accelerator accelerator,
                        Set<Path> withoutDirectIo, Map<String, Path> claimDevices, boolean persistentReservation,
                        Path prHelperSocket, boolean preferIoUring, int spareRootPorts, Path stateDir) {


    public HostFacts {
        Objects.requireNonNull(claimsDir, "claimsDir");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(imageStore, "imageStore");
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(prHelperSocket, "prHelperSocket");
        Objects.requireNonNull(stateDir, "stateDir");
        withoutDirectIo = Set.copyOf(withoutDirectIo);
        claimDevices = Map.copyOf(claimDevices);
        if (spareRootPorts < 0) {
            throw new IllegalArgumentException("spareRootPorts " + spareRootPorts + " is negative");
        }
    }

    /** The fixed facts golden tests plan against: /var/lib/qvmm layout, TCG, O_DIRECT everywhere, 2 spare ports. */
    public static HostFacts example() {
        return new HostFacts(Path.of("/var/lib/qvmm/claims"), Path.of("/run/qvmm/vm"), Path.of("/var/lib/qvmm/images"),
                Accelerator.TCG, Set.of(), Map.of(), false, Path.of("/run/qemu-pr-helper.sock"), false, 2,
                Path.of("/var/lib/qvmm"));
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
