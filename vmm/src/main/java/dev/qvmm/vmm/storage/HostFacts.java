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
 * @param stateDir              qvmm's state directory (the default parent of every root below)
 * @param configMapsDir         ConfigMaps missing from the YAML stream, a directory of files (one per key) each:
 *                              {@code <configMapsDir>/<name>}
 * @param secretsDir            the same for Secrets: {@code <secretsDir>/<name>}
 * @param serviceAccountsDir    the same for ServiceAccounts: {@code <serviceAccountsDir>/<name>}
 * @param expandDisks           grow a Filesystem claim's disk.img at start when its request grew (KubeVirt's ExpandDisks)
 * @param tolerateLessSpacePercent how much smaller than requested a new claim image may be made when space is short
 * @param network               host ports chosen for forwarded guest ports, host bridges for bridged NICs
 */
public record HostFacts(Path claimsDir, Path runDir, Path imageStore, Accelerator accelerator,
                        Set<Path> withoutDirectIo, Map<String, Path> claimDevices, boolean persistentReservation,
                        Path prHelperSocket, boolean preferIoUring, int spareRootPorts, Path stateDir,
                        Path configMapsDir, Path secretsDir, Path serviceAccountsDir, boolean expandDisks,
                        int tolerateLessSpacePercent, HostNetwork network) {

    /** Facts with the ConfigMap, Secret and ServiceAccount roots under {@code stateDir}, no disk expansion, 10 % tolerance. */
    public HostFacts(Path claimsDir, Path runDir, Path imageStore, Accelerator accelerator,
                     Set<Path> withoutDirectIo, Map<String, Path> claimDevices, boolean persistentReservation,
                     Path prHelperSocket, boolean preferIoUring, int spareRootPorts, Path stateDir) {
        this(claimsDir, runDir, imageStore, accelerator, withoutDirectIo, claimDevices, persistentReservation, prHelperSocket,
                preferIoUring, spareRootPorts, stateDir, stateDir.resolve("configmaps"), stateDir.resolve("secrets"),
                stateDir.resolve("serviceaccounts"), false, 10, HostNetwork.NONE);
    }

    /** These facts with {@code network} for the VM's NICs. */
    public HostFacts withNetwork(HostNetwork network) {
        return new HostFacts(claimsDir, runDir, imageStore, accelerator, withoutDirectIo, claimDevices, persistentReservation,
                prHelperSocket, preferIoUring, spareRootPorts, stateDir, configMapsDir, secretsDir, serviceAccountsDir, expandDisks,
                tolerateLessSpacePercent, network);
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
        claimDevices = Map.copyOf(claimDevices);
        Objects.requireNonNull(network, "network");
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
