package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.AcceleratorChoice;
import dev.qvmm.vmm.host.HostConfig;
import dev.qvmm.vmm.host.HostConfigReader;
import dev.qvmm.vmm.host.KvmFacts;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.storage.HostPlanning;
import dev.qvmm.vmm.storage.StoragePlan;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The host settings a user can set for planning, shared by {@code plan} and {@code run}, and the
 * planning itself ({@link HostPlanning}). Each flag overrides the same setting of the host config
 * file ({@code --host-config}), which overrides the built-in default. Reads the host; creates nothing.
 */
final class PlanOptions {

    @Option(names = "--qemu", paramLabel = "BINARY", defaultValue = "qemu-system-x86_64", description = "QEMU binary (default ${DEFAULT-VALUE}).")
    String qemuBinary;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg",
            description = "Accelerator; auto picks KVM only where it can run a stock guest (default: the host config's accelerator, else auto).")
    String accel;

    @Option(names = "--persistent-reservation", negatable = true,
            description = "This host runs qemu-pr-helper: allow lun reservation (overrides the host config's persistentReservation; default off).")
    Boolean persistentReservation;

    @Option(names = "--pr-helper-socket", paramLabel = "PATH",
            description = "qemu-pr-helper's socket (overrides the host config's prHelperSocket; default /run/qemu-pr-helper.sock).")
    Path prHelperSocket;

    @Option(names = "--io-uring", negatable = true,
            description = "Use aio io_uring where the QEMU binary supports it (overrides the host config's ioUring; default off).")
    Boolean ioUring;

    @Option(names = "--spare-root-ports", paramLabel = "N",
            description = "Empty pcie-root-ports left for hotplug (overrides the host config's spareRootPorts; default 2).")
    Integer spareRootPorts;

    @Option(names = "--expand-disks", negatable = true,
            description = "Grow a claim's disk.img at start when its request grew, as KubeVirt's ExpandDisks (overrides the host config's expandDisks; default off).")
    Boolean expandDisks;

    @Option(names = "--pvc-tolerate-less-space-up-to-percent", paramLabel = "PERCENT",
            description = "A new claim image may be this much smaller than requested when space is short (overrides the host config's pvcTolerateLessSpaceUpToPercent; default 10).")
    Integer tolerateLessSpacePercent;

    @Option(names = "--allow-path", paramLabel = "DIR",
            description = "A directory hostDisk, kernelBoot, containerDisk and DataVolume file:// host paths may lie under; repeat for more. Replaces the host config's allowedPaths (default: the state directory only).")
    List<Path> allowPaths;

    /** The host config file (or the defaults) with every flag given on the command line applied over it. */
    HostConfig config(HostOptions host, CommandLine cmd) {
        Path stateDir = host.stateDir();
        HostConfig c = host.hostConfig() != null ? HostConfigReader.read(host.hostConfig(), stateDir) : HostConfig.defaults(stateDir);
        if (spareRootPorts != null && (spareRootPorts < 0 || spareRootPorts > 240)) {
            throw new CommandLine.ParameterException(cmd, "--spare-root-ports " + spareRootPorts + " is not within 0..240");
        }
        if (tolerateLessSpacePercent != null && (tolerateLessSpacePercent < 0 || tolerateLessSpacePercent > 100)) {
            throw new CommandLine.ParameterException(cmd, "--pvc-tolerate-less-space-up-to-percent " + tolerateLessSpacePercent
                    + " is not within 0..100");
        }
        List<Path> allowed = c.allowedPaths();
        if (allowPaths != null) {
            for (Path p : allowPaths) {
                if (!p.isAbsolute()) {
                    throw new CommandLine.ParameterException(cmd, "--allow-path " + p + " is relative; give an absolute directory");
                }
            }
            allowed = allowPaths;
        }
        return new HostConfig(c.claims(), c.configMaps(), c.secrets(), c.serviceAccounts(), c.images(),
                or(tolerateLessSpacePercent, c.pvcTolerateLessSpaceUpToPercent()), or(expandDisks, c.expandDisks()),
                or(persistentReservation, c.persistentReservation()), or(prHelperSocket, c.prHelperSocket()),
                or(ioUring, c.ioUring()), or(spareRootPorts, c.spareRootPorts()), c.accelerator(), allowed, c.virtiofsd(),
                c.virtiofsdUser(), c.blockClaims(), c.bridges());
    }

    /** {@code --accel} when given, else the host config's accelerator, else auto. */
    AcceleratorChoice accelerator(HostConfig config, HostOptions host, CommandLine cmd) {
        if (accel != null && !accel.equals("auto")) {
            try {
                return KvmFacts.probe().choose(Accelerator.parse(accel), "--accel " + accel);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, "--accel \"" + accel + "\" is not auto, kvm or tcg");
            }
        }
        if ("auto".equals(accel)) {
            return KvmFacts.probe().choose();
        }
        return config.accelerator()
                .map(a -> KvmFacts.probe().choose(a, "accelerator in " + host.hostConfig()))
                .orElseGet(() -> KvmFacts.probe().choose());
    }

    private static <T> T or(T flag, T config) {
        return flag != null ? flag : config;
    }

    StoragePlan plan(VmSpec spec, HostConfig config, Path stateDir, Accelerator accelerator) throws IOException {
        return HostPlanning.plan(spec, config, stateDir, accelerator, qemuBinary);
    }
}
