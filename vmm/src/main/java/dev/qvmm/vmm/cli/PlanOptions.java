package dev.qvmm.vmm.cli;

import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.FileNode;
import dev.qvmm.blockdev.HostDeviceNode;
import dev.qvmm.blockdev.Qcow2Node;
import dev.qvmm.blockdev.RawNode;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.HostProbe;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.storage.DiskPlan;
import dev.qvmm.vmm.storage.HostFacts;
import dev.qvmm.vmm.storage.QemuCapabilities;
import dev.qvmm.vmm.storage.StoragePlan;
import dev.qvmm.vmm.storage.StoragePlanner;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host facts a user can set for planning, shared by {@code plan} and {@code run}, and the
 * planning itself: plan once assuming O_DIRECT works to learn every image path, probe those
 * paths, then plan for real. Reads the host; creates nothing.
 */
final class PlanOptions {

    @Option(names = "--qemu", paramLabel = "BINARY", defaultValue = "qemu-system-x86_64", description = "QEMU binary (default ${DEFAULT-VALUE}).")
    String qemuBinary;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "Accelerator; auto picks KVM only where it can run a stock guest (default ${DEFAULT-VALUE}).")
    String accel;

    @Option(names = "--persistent-reservation", description = "This host runs qemu-pr-helper: allow lun reservation.")
    boolean persistentReservation;

    @Option(names = "--pr-helper-socket", paramLabel = "PATH", defaultValue = "/run/qemu-pr-helper.sock",
            description = "qemu-pr-helper's socket (default ${DEFAULT-VALUE}).")
    Path prHelperSocket;

    @Option(names = "--io-uring", description = "Use aio io_uring where the QEMU binary supports it.")
    boolean ioUring;

    @Option(names = "--spare-root-ports", paramLabel = "N", defaultValue = "2",
            description = "Empty pcie-root-ports left for hotplug (default ${DEFAULT-VALUE}).")
    int spareRootPorts;

    StoragePlan plan(VmSpec spec, Path stateDir, Accelerator accelerator) throws IOException {
        QemuCapabilities qemu = HostProbe.qemu(qemuBinary);
        HostFacts assumed = new HostFacts(stateDir.resolve("claims"), stateDir.resolve("run").resolve(spec.name()),
                stateDir.resolve("images"), accelerator, Set.of(), Map.of(), persistentReservation, prHelperSocket,
                ioUring, spareRootPorts, stateDir);
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
        HostFacts facts = new HostFacts(assumed.claimsDir(), assumed.runDir(), assumed.imageStore(), accelerator,
                HostProbe.withoutDirectIo(paths), Map.of(), persistentReservation, prHelperSocket, ioUring, spareRootPorts, stateDir);
        return StoragePlanner.plan(spec, facts, qemu);
    }
}
