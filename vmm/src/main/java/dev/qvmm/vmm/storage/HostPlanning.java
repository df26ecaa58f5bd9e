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
import dev.qvmm.vmm.spec.Firmware;
import dev.qvmm.vmm.spec.VmSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
        new AllowedPaths(config.allowedPaths()).check(spec, config.blockClaims().keySet());
        QemuCapabilities qemu = HostProbe.qemu(qemuBinary);
        HostNetwork network = new HostNetwork(HostNetwork.DEFAULT_PORT_ADDRESS,
                HostPorts.choose(spec.interfaces(), HostNetwork.DEFAULT_PORT_ADDRESS), config.bridges());
        HostFacts assumed = facts(spec, config, stateDir, accelerator, Set.of()).withNetwork(network);
        Set<Path> withoutDirectIo = withoutDirectIo(StoragePlanner.plan(spec, assumed, qemu).disks());
        return StoragePlanner.plan(spec, facts(spec, config, stateDir, accelerator, withoutDirectIo).withNetwork(network), qemu);
    }

    /** Plans disk {@code diskName} of {@code spec} for a hotplug into {@code slot}, with the same probes. */
    public static StoragePlanner.Hotplug planHotplug(VmSpec spec, String diskName, HostConfig config, Path stateDir,
                                                     Accelerator accelerator, String qemuBinary, HotplugSlot slot) throws IOException {
        new AllowedPaths(config.allowedPaths()).check(spec, config.blockClaims().keySet());
        QemuCapabilities qemu = HostProbe.qemu(qemuBinary);
        HostFacts assumed = facts(spec, config, stateDir, accelerator, Set.of());
        Set<Path> withoutDirectIo = withoutDirectIo(List.of(StoragePlanner.planHotplug(spec, diskName, assumed, qemu, slot).disk()));
        return StoragePlanner.planHotplug(spec, diskName, facts(spec, config, stateDir, accelerator, withoutDirectIo), qemu, slot);
    }

    /** Plans the new medium of CD-ROM {@code diskName}, with the same probes. */
    public static StoragePlanner.Medium planMedium(VmSpec spec, String diskName, HostConfig config, Path stateDir,
                                                   Accelerator accelerator, String qemuBinary) throws IOException {
        new AllowedPaths(config.allowedPaths()).check(spec, config.blockClaims().keySet());
        QemuCapabilities qemu = HostProbe.qemu(qemuBinary);
        StoragePlanner.Medium assumed = StoragePlanner.planMedium(spec, diskName, facts(spec, config, stateDir, accelerator, Set.of()), qemu);
        Set<Path> withoutDirectIo = withoutDirectIoOf(assumed.nodes());
        return StoragePlanner.planMedium(spec, diskName, facts(spec, config, stateDir, accelerator, withoutDirectIo), qemu);
    }

    private static Set<Path> withoutDirectIo(List<DiskPlan> disks) {
        List<BlockNode> nodes = new ArrayList<>();
        disks.forEach(d -> nodes.addAll(d.nodes()));
        return withoutDirectIoOf(nodes);
    }

    /**
     * The image files and devices of {@code nodes} where O_DIRECT fails. A device path is only ever
     * opened, never probed by creating a file beside it (in /dev): a missing device is left for
     * preparation to report, naming the claim.
     */
    private static Set<Path> withoutDirectIoOf(List<BlockNode> nodes) {
        List<Path> files = new ArrayList<>();
        List<Path> devices = new ArrayList<>();
        for (BlockNode n : nodes) {
            switch (n) {
                case FileNode f -> files.add(f.filename());
                case HostDeviceNode h -> devices.add(h.filename());
                case RawNode r -> { }
                case Qcow2Node q -> { }
            }
        }
        Set<Path> without = new HashSet<>(HostProbe.withoutDirectIo(files));
        without.addAll(HostProbe.withoutDirectIo(devices.stream().filter(Files::exists).toList()));
        return without;
    }

    private static HostFacts facts(VmSpec spec, HostConfig c, Path stateDir, Accelerator accelerator, Set<Path> withoutDirectIo) {
        return new HostFacts(c.claims(), dev.qvmm.vmm.PathGuard.child(stateDir, "run directory of VM", "run", spec.name()), c.images(), accelerator,
                withoutDirectIo, c.blockClaims(), c.persistentReservation(), c.prHelperSocket(), c.ioUring(), c.spareRootPorts(),
                stateDir, c.configMaps(), c.secrets(), c.serviceAccounts(), c.expandDisks(), c.pvcTolerateLessSpaceUpToPercent(),
                spec.firmware().bootloader() instanceof Firmware.Bootloader.Efi ? firmwareDescriptors() : List.of(),
                HostNetwork.NONE);
    }

    /** QEMU's firmware descriptors on this host; unreadable ones are skipped, as libvirt skips them. */
    private static List<FirmwareDescriptor> firmwareDescriptors() {
        return FirmwareDescriptor.load(FirmwareDescriptor.SYSTEM_DIRECTORIES, new ArrayList<>());
    }
}
