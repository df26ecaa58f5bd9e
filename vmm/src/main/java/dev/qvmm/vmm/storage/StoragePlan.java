package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.host.Accelerator;

import dev.qvmm.blockdev.Device;
import dev.qvmm.blockdev.QemuObject;
import dev.qvmm.vmm.spec.CpuTopology;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything planning decided for one VM: machine, objects (iothreads, pr-manager, memory backend),
 * controllers and root ports, each disk's nodes and device, virtiofs shares, the iothread plan and
 * the artifacts to prepare, and the firmware. Immutable; {@link ArgvRenderer} and {@link PlanJson} print it.
 */
public record StoragePlan(String vmName, String machineType, Accelerator accelerator, CpuTopology cpu,
                          long memoryBytes, QemuCapabilities qemu, List<QemuObject> objects, List<Device> controllers,
                          List<DiskPlan> disks, List<FilesystemPlan> filesystems, IoThreadPlan iothreads,
                          Optional<KernelPlan> kernel, List<Artifact> artifacts, List<String> notes,
                          Optional<MetricsPortPlan> downwardMetricsPort, List<NicPlan> nics,
                          FirmwarePlan firmware) {

    /** Every host port forwarded to the guest, over all NICs. */
    public List<PortForward> forwards() {
        return nics.stream().flatMap(n -> n.forwards().stream()).toList();
    }

    /**
     * A guest NIC: its {@code -netdev} (QEMU's user-mode network here, in QEMU's key=value syntax)
     * and device, and the host ports forwarded to the guest through it.
     */
    public record NicPlan(String name, String netdev, Device device, List<PortForward> forwards) {
        public NicPlan {
            forwards = List.copyOf(forwards);
        }
    }

    /** {@code hostAddress:hostPort} on the host reaches {@code guestPort} of interface {@code iface}. */
    public record PortForward(String iface, String portName, dev.qvmm.vmm.spec.InterfaceSpec.Protocol protocol, int guestPort,
                              String hostAddress, int hostPort) {
        @Override
        public String toString() {
            return hostAddress + ":" + hostPort + " -> " + iface + ":" + guestPort + "/" + protocol;
        }
    }

    /**
     * The vhostmd virtio-serial port: QEMU connects the chardev to {@code socket}, where qvmm
     * listens (so the socket exists before QEMU starts); the port sits on its own virtio-serial-pci.
     */
    public record MetricsPortPlan(String chardev, Path socket, Device controller, Device port) {
    }

    /** A virtiofs share: the chardev socket QEMU connects to and its device. */
    public record FilesystemPlan(String name, String chardev, Path socket, Device device) {
    }

    /** Direct kernel boot: kernel and initrd inside {@code imageRoot} (a host directory or a pulled image's rootfs). */
    public record KernelPlan(Path imageRoot, Optional<Path> kernel, Optional<Path> initrd, Optional<String> append) {

        /**
         * Once the image is on the host (after preparing): the kernel and initrd must really be inside
         * it, symbolic links resolved, so a link in the image cannot hand QEMU a host file.
         *
         * @throws dev.qvmm.vmm.VmmException of kind PATH_ESCAPES_ROOT otherwise
         */
        public void requireInsideImage() {
            kernel.ifPresent(k -> dev.qvmm.vmm.PathGuard.realChild(imageRoot, k, "kernelBoot kernelPath"));
            initrd.ifPresent(i -> dev.qvmm.vmm.PathGuard.realChild(imageRoot, i, "kernelBoot initrdPath"));
        }
    }

    public StoragePlan {
        java.util.Objects.requireNonNull(downwardMetricsPort, "downwardMetricsPort");
        java.util.Objects.requireNonNull(firmware, "firmware");
        objects = List.copyOf(objects);
        controllers = List.copyOf(controllers);
        disks = List.copyOf(disks);
        filesystems = List.copyOf(filesystems);
        artifacts = List.copyOf(artifacts);
        notes = List.copyOf(notes);
    }

    /** Guest RAM in MiB, rounded up, as {@code -m} takes it. */
    public long memoryMiB() {
        return (memoryBytes + (1L << 20) - 1) >> 20;
    }
}
