package dev.qvmm.vmm.host;

import dev.qvmm.virtiofsd.ShareOptions.RunAs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The host configuration: where host resources live, which host paths a spec may reach, and the
 * host-wide switches planning and preparation honour. {@link #defaults(Path)} gives the built-in
 * values; {@link HostConfigReader} overlays a YAML file on them; command-line flags override both.
 *
 * @param claims                           Filesystem claims: {@code <claims>/<claim>/disk.img}
 * @param configMaps                       ConfigMaps missing from the YAML stream, one directory each
 * @param secrets                          Secrets missing from the YAML stream, one directory each
 * @param serviceAccounts                  ServiceAccounts, one directory each (namespace, token, ca.crt)
 * @param images                           the container-disk image store
 * @param pvcTolerateLessSpaceUpToPercent  how much smaller than requested (0..100 %) a new claim image may be made
 *                                         when the file system is short of space (KubeVirt's option of that name)
 * @param expandDisks                      grow a claim's disk.img at start when its request grew (KubeVirt's ExpandDisks gate)
 * @param persistentReservation            qemu-pr-helper runs on this host (KubeVirt's PersistentReservation gate)
 * @param prHelperSocket                   qemu-pr-helper's socket
 * @param ioUring                          use aio io_uring where the QEMU binary has it
 * @param spareRootPorts                   empty pcie-root-ports left for hotplug
 * @param accelerator                      the forced accelerator; empty means auto (KVM only where it can run a stock guest)
 * @param allowedPaths                     the only directories a spec's hostDisk path, kernelBoot image directory,
 *                                         containerDisk host directory and DataVolume {@code file://} source may lie
 *                                         under (after resolving {@code ..} and symbolic links); by default the state
 *                                         directory alone, so a spec reaches nothing else until the operator says so.
 *                                         A PersistentVolume's {@code local.path} / {@code hostPath.path} device for a
 *                                         Block claim must lie under them too
 * @param virtiofsd                        the virtiofsd binary; empty: /usr/libexec/virtiofsd, /usr/lib/qemu/virtiofsd, PATH
 * @param virtiofsdUser                    run every virtiofsd as this uid/gid in a user namespace of its own (unprivileged
 *                                         mode, see {@link RunAs} for its limits); empty: as qvmm's own user
 * @param blockClaims                      Block claims bound by the operator to host block devices, by claim name
 *                                         (e.g. {@code data: /dev/sdb}); trusted as written (not confined to
 *                                         {@code allowedPaths}) and preferred to a PersistentVolume in the spec's stream
 * @param bridges                          existing host bridges by the multus {@code networkName} a spec's bridge-bound
 *                                         interface names (e.g. {@code lan: br0}); qvmm adds and removes its taps on
 *                                         them, never the bridges themselves
 */
public record HostConfig(Path claims, Path configMaps, Path secrets, Path serviceAccounts, Path images,
                         int pvcTolerateLessSpaceUpToPercent, boolean expandDisks, boolean persistentReservation,
                         Path prHelperSocket, boolean ioUring, int spareRootPorts, Optional<Accelerator> accelerator,
                         List<Path> allowedPaths, Optional<Path> virtiofsd, Optional<RunAs> virtiofsdUser,
                         Map<String, Path> blockClaims, Map<String, String> bridges) {

    /** KubeVirt's default for {@code pvcTolerateLessSpaceUpToPercent}. */
    public static final int DEFAULT_TOLERANCE_PERCENT = 10;
    public static final int DEFAULT_SPARE_ROOT_PORTS = 2;
    public static final Path DEFAULT_PR_HELPER_SOCKET = Path.of("/run/qemu-pr-helper.sock");

    public HostConfig {
        Objects.requireNonNull(claims, "claims");
        Objects.requireNonNull(configMaps, "configMaps");
        Objects.requireNonNull(secrets, "secrets");
        Objects.requireNonNull(serviceAccounts, "serviceAccounts");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(prHelperSocket, "prHelperSocket");
        Objects.requireNonNull(accelerator, "accelerator");
        allowedPaths = List.copyOf(allowedPaths);
        Objects.requireNonNull(virtiofsd, "virtiofsd");
        Objects.requireNonNull(virtiofsdUser, "virtiofsdUser");
        blockClaims = Map.copyOf(blockClaims);
        bridges = Map.copyOf(bridges);
        if (pvcTolerateLessSpaceUpToPercent < 0 || pvcTolerateLessSpaceUpToPercent > 100) {
            throw new IllegalArgumentException("pvcTolerateLessSpaceUpToPercent " + pvcTolerateLessSpaceUpToPercent + " is not within 0..100");
        }
        if (spareRootPorts < 0) {
            throw new IllegalArgumentException("spareRootPorts " + spareRootPorts + " is negative");
        }
    }

    /** Without virtiofsd settings (the binary is looked for, and runs as qvmm's user) or block claims. */
    public HostConfig(Path claims, Path configMaps, Path secrets, Path serviceAccounts, Path images,
                      int pvcTolerateLessSpaceUpToPercent, boolean expandDisks, boolean persistentReservation,
                      Path prHelperSocket, boolean ioUring, int spareRootPorts, Optional<Accelerator> accelerator,
                      List<Path> allowedPaths) {
        this(claims, configMaps, secrets, serviceAccounts, images, pvcTolerateLessSpaceUpToPercent, expandDisks,
                persistentReservation, prHelperSocket, ioUring, spareRootPorts, accelerator, allowedPaths, Optional.empty(),
                Optional.empty(), Map.of(), Map.of());
    }

    /** The built-in configuration: every root under {@code stateDir}, which is also the only allowed path. */
    public static HostConfig defaults(Path stateDir) {
        return new HostConfig(stateDir.resolve("claims"), stateDir.resolve("configmaps"), stateDir.resolve("secrets"),
                stateDir.resolve("serviceaccounts"), stateDir.resolve("images"), DEFAULT_TOLERANCE_PERCENT, false, false,
                DEFAULT_PR_HELPER_SOCKET, false, DEFAULT_SPARE_ROOT_PORTS, Optional.empty(), List.of(stateDir),
                Optional.empty(), Optional.empty(), Map.of(), Map.of());
    }
}
