package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.FileNode;
import dev.qvmm.blockdev.HostDeviceNode;
import dev.qvmm.blockdev.Qcow2Node;
import dev.qvmm.blockdev.RawNode;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.AllowedPaths;
import dev.qvmm.vmm.host.HostConfig;
import dev.qvmm.vmm.host.HostProbe;
import dev.qvmm.vmm.spec.VmSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans a VM for this host, as {@code qvmm plan}, {@code qvmm run} and the daemon do: checks the
 * spec's paths against the allowed roots, plans once assuming O_DIRECT works to learn every image
 * path, probes those paths, then plans for real. Reads the host; creates nothing.
 */
public final class HostPlanning {

    private HostPlanning() {
    }

    public static StoragePlan plan(VmSpec spec, HostConfig config, Path stateDir, Accelerator accelerator, String qemuBinary)
            throws IOException {
        new AllowedPaths(config.allowedPaths()).check(spec);
        QemuCapabilities qemu = HostProbe.qemu(qemuBinary);
        HostFacts assumed = facts(spec, config, stateDir, accelerator, Set.of());
        List<Path> paths = new ArrayList<>();
        for (DiskPlan d : StoragePlanner.plan(spec, assumed, qemu).disks()) {
            for (BlockNode n : d.nodes()) {
                switch (n) {
                    case FileNode f -> paths.add(f.filename());
                    case HostDeviceNode h -> paths.add(h.filename());
                    case RawNode r -> { }
                    case Qcow2Node q -> { }
                }
            }
        }
        return StoragePlanner.plan(spec, facts(spec, config, stateDir, accelerator, HostProbe.withoutDirectIo(paths)), qemu);
    }

    private static HostFacts facts(VmSpec spec, HostConfig c, Path stateDir, Accelerator accelerator, Set<Path> withoutDirectIo) {
        return new HostFacts(c.claims(), stateDir.resolve("run").resolve(spec.name()), c.images(), accelerator,
                withoutDirectIo, Map.of(), c.persistentReservation(), c.prHelperSocket(), c.ioUring(), c.spareRootPorts(),
                stateDir, c.configMaps(), c.secrets(), c.serviceAccounts(), c.expandDisks(), c.pvcTolerateLessSpaceUpToPercent());
    }
}
