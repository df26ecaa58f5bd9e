package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.BlockSizes;
import dev.qvmm.blockdev.Device;
import dev.qvmm.blockdev.Floppy;
import dev.qvmm.blockdev.Frontend;
import dev.qvmm.blockdev.Ich9Ahci;
import dev.qvmm.blockdev.IdeCd;
import dev.qvmm.blockdev.IdeHd;
import dev.qvmm.blockdev.IsaFdc;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.blockdev.OnError;
import dev.qvmm.blockdev.PciAddress;
import dev.qvmm.blockdev.QemuObject;
import dev.qvmm.blockdev.QemuXhci;
import dev.qvmm.blockdev.ScsiAddress;
import dev.qvmm.blockdev.ScsiBlock;
import dev.qvmm.blockdev.ScsiCd;
import dev.qvmm.blockdev.ScsiHd;
import dev.qvmm.blockdev.UsbStorage;
import dev.qvmm.blockdev.VhostUserFsPci;
import dev.qvmm.blockdev.VirtSerialPort;
import dev.qvmm.blockdev.VirtioSerialPci;
import dev.qvmm.blockdev.VirtioBlkPci;
import dev.qvmm.blockdev.VirtioScsiPci;
import dev.qvmm.vmm.PathGuard;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.Bus;
import dev.qvmm.vmm.spec.CacheMode;
import dev.qvmm.vmm.spec.DiskDevice;
import dev.qvmm.vmm.spec.DiskSpec;
import dev.qvmm.vmm.spec.FilesystemSpec;
import dev.qvmm.vmm.spec.KeyData;
import dev.qvmm.vmm.spec.KernelBoot;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.spec.VolumeSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Plans a VM's storage: a pure function of ({@link VmSpec}, {@link HostFacts},
 * {@link QemuCapabilities}) to a {@link StoragePlan}. Reads nothing, creates nothing; the same
 * inputs always give the same plan, byte for byte once rendered. Fails with a {@link VmmException}
 * when the host facts cannot satisfy the spec (O_DIRECT, an unbound Block claim) or the devices do
 * not fit the machine layout (PCIe root ports, AHCI/USB ports, floppy units).
 *
 * <p>Frontends: virtio → virtio-blk-pci on its own root port; sata → ide-hd/ide-cd on q35's
 * built-in AHCI ({@code ide.0..5}), then on extra ich9-ahci controllers; scsi → scsi-hd/scsi-cd,
 * or scsi-block for a lun on a host block device, on one virtio-scsi-pci; usb → usb-storage on
 * qemu-xhci; floppy → floppy on isa-fdc.
 */
public final class StoragePlanner {

    static final String PR_MANAGER_ID = "pr-helper0";
    private static final String SCSI_ID = "scsi0";
    private static final String USB_ID = "usb";
    private static final String FDC_ID = "fdc0";
    private static final String MEMORY_ID = "mem";
    /** The vhostmd port name guests (vm-dump-metrics --virtio) open, as KubeVirt names it. */
    public static final String VHOSTMD_PORT = "org.github.vhostmd.1";
    /** q35's ICH9 AHCI: 6 ports; qemu-xhci: 4 USB 2 ports; a floppy controller: 2 drives. */
    static final int AHCI_PORTS = 6;
    static final int USB_PORTS = 4;

    private StoragePlanner() {
    }

    public static StoragePlan plan(VmSpec spec, HostFacts host, QemuCapabilities qemu) {
        List<DiskSpec> disks = spec.disks();
        IoThreadPlan threads = IoThreadAllocator.allocate(spec.ioThreadsPolicy(), disks, spec.cpu());
        int virtio = count(disks, Bus.VIRTIO);
        int scsi = count(disks, Bus.SCSI);
        int sata = count(disks, Bus.SATA);
        int usb = count(disks, Bus.USB);
        int floppies = count(disks, Bus.FDC);
        if (usb > USB_PORTS) {
            throw new VmmException(VmmException.Kind.LAYOUT_EXHAUSTED, USB_ID, "the VM has " + usb
                    + " usb disks but qemu-xhci has " + USB_PORTS + " USB 2 ports; put the others on virtio or scsi");
        }
        if (floppies > Floppy.MAX_UNITS) {
            throw new VmmException(VmmException.Kind.LAYOUT_EXHAUSTED, FDC_ID, "the VM has " + floppies
                    + " floppies but a floppy controller has " + Floppy.MAX_UNITS + " drives");
        }
        int extraAhci = Math.max(0, (sata + AHCI_PORTS - 1) / AHCI_PORTS - 1);
        int pcie = virtio + (scsi > 0 ? 1 : 0) + (usb > 0 ? 1 : 0) + extraAhci + spec.filesystems().size()
                + (spec.downwardMetricsPort() ? 1 : 0) + spec.interfaces().size();
        PciLayout layout = new PciLayout(pcie, host.spareRootPorts());

        List<Device> controllers = new ArrayList<>();
        if (scsi > 0) {
            controllers.add(new VirtioScsiPci(SCSI_ID, layout.next(),
                    threads.scsiControllerThread().stream().mapToObj(IoThreadPlan::id).findFirst(), threads.scsiControllerQueues()));
        }
        if (usb > 0) {
            controllers.add(new QemuXhci(USB_ID, layout.next()));
        }
        for (int i = 1; i <= extraAhci; i++) {
            controllers.add(new Ich9Ahci("sata" + i, layout.next()));
        }
        if (floppies > 0) {
            controllers.add(new IsaFdc(FDC_ID));
        }

        List<QemuObject> objects = new ArrayList<>();
        for (int t = 1; t <= threads.count(); t++) {
            objects.add(new QemuObject.Iothread(IoThreadPlan.id(t)));
        }
        List<Artifact> artifacts = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (disks.stream().anyMatch(d -> d.device() instanceof DiskDevice.Lun l && l.reservation())) {
            objects.add(new QemuObject.PrManagerHelper(PR_MANAGER_ID, host.prHelperSocket()));
            artifacts.add(new Artifact.RequirePrHelper(PR_MANAGER_ID, host.prHelperSocket()));
        }
        if (!spec.filesystems().isEmpty()) {
            objects.add(new QemuObject.MemoryBackendMemfd(MEMORY_ID, memoryMiB(spec.memoryBytes()) << 20));
        }

        DiskBackends backends = new DiskBackends(spec, host, qemu);
        Map<String, Integer> perPrefix = new HashMap<>();
        int sataIndex = 0;
        int scsiIndex = 0;
        int floppyIndex = 0;
        List<DiskPlan> planned = new ArrayList<>();
        for (DiskSpec d : disks) {
            DiskBackends.Backend b = backends.plan(d);
            artifacts.addAll(b.artifacts());
            Optional<String> iothread = Optional.ofNullable(threads.diskThreads().get(d.name())).map(IoThreadPlan::id);
            Frontend fe = frontend(d, b.top(), b.cache());
            String id = NodeName.derive("ua", d.name()).value();
            Device device = switch (d.bus()) {
                // Without blockMultiQueue the guest gets one queue, as the field promises: left unset,
                // QEMU 5.2+ machine types give virtio-blk one queue per vCPU anyway.
                case VIRTIO -> new VirtioBlkPci(id, layout.next(), fe, iothread,
                        OptionalInt.of(spec.blockMultiQueue() ? spec.cpu().vcpus() : 1), !thick(d));
                case SATA -> {
                    int port = sataIndex++;
                    String bus = (port < AHCI_PORTS ? "ide" : "sata" + (port / AHCI_PORTS)) + "." + (port % AHCI_PORTS);
                    yield d.device() instanceof DiskDevice.Cdrom ? new IdeCd(id, bus, fe) : new IdeHd(id, bus, fe);
                }
                case SCSI -> {
                    ScsiAddress a = new ScsiAddress(SCSI_ID + ".0", 0, 0, scsiIndex++);
                    yield switch (d.device()) {
                        case DiskDevice.Cdrom c -> new ScsiCd(id, a, fe);
                        case DiskDevice.Lun l when b.blockDevice() -> new ScsiBlock(id, a, passthrough(fe, d));
                        case DiskDevice.Lun l -> {
                            notes.add(d.path() + ": lun \"" + d.name() + "\" is backed by a file, not a block device; "
                                    + "presented as scsi-hd without SCSI passthrough");
                            yield new ScsiHd(id, a, fe);
                        }
                        case DiskDevice.Disk k -> new ScsiHd(id, a, fe);
                        case DiskDevice.Floppy f -> throw new IllegalStateException("a floppy is never on scsi");
                    };
                }
                case USB -> new UsbStorage(id, USB_ID + ".0", fe);
                case FDC -> new Floppy(id, FDC_ID + ".0", floppyIndex++, b.top(), d.shareable());
            };
            String prefix = switch (d.bus()) {
                case VIRTIO -> "vd";
                case SATA, SCSI, USB -> "sd";
                case FDC -> "fd";
            };
            int index = perPrefix.merge(prefix, 1, Integer::sum) - 1;
            planned.add(new DiskPlan(d.name(), prefix + letters(index), b.nodes(), b.top(), device, b.cache(), iothread));
        }

        notes.addAll(backends.notes());
        List<StoragePlan.FilesystemPlan> filesystems = new ArrayList<>();
        for (FilesystemSpec f : spec.filesystems()) {
            String chardev = NodeName.derive("chr-fs", f.name()).value();
            Path dir = host.runDir().resolve("virtiofs");
            Path socket = PathGuard.child(dir, "virtiofs socket of filesystem", f.name() + ".sock");
            Optional<KeyData> contents = inStream(f, spec);
            // A stream ConfigMap/Secret: <name>.d is private to the daemon (0700), data/ in it is what the guest sees.
            Path shared = contents.isPresent() ? PathGuard.child(dir, "virtiofs share of filesystem", f.name() + ".d", "data") : fsSource(f, host);
            boolean claim = f.volume().source() instanceof VolumeSource.PersistentVolumeClaim
                    || f.volume().source() instanceof VolumeSource.DataVolume;
            artifacts.add(new Artifact.StartVirtiofsd(f.name(), socket, PathGuard.child(dir, "virtiofsd log of filesystem", f.name() + ".log"), shared, contents, claim));
            filesystems.add(new StoragePlan.FilesystemPlan(f.name(), chardev, socket,
                    new VhostUserFsPci(NodeName.derive("fs", f.name()).value(), layout.next(), chardev, f.name())));
        }

        // Last, so that asking for the port moves no disk to another PCI address.
        Optional<StoragePlan.MetricsPortPlan> metricsPort = Optional.empty();
        if (spec.downwardMetricsPort()) {
            Path socket = host.runDir().resolve("downward-metrics").resolve("vhostmd.sock");
            VirtioSerialPci serial = new VirtioSerialPci("vhostmd-serial", layout.next());
            String chardev = "chr-vhostmd";
            artifacts.add(new Artifact.DownwardMetricsPort("downwardMetrics", socket, spec.cpu().vcpus(), spec.memoryBytes()));
            metricsPort = Optional.of(new StoragePlan.MetricsPortPlan(chardev, socket, serial,
                    new VirtSerialPort("vhostmd-port", serial.bus(), chardev, VHOSTMD_PORT)));
        }

        // After every disk and port too: a VM's disks keep their PCI addresses with or without NICs.
        List<StoragePlan.NicPlan> nics = NicPlanner.plan(spec, host, layout, artifacts);

        List<Device> all = new ArrayList<>(layout.ports());
        all.addAll(controllers);
        Optional<StoragePlan.KernelPlan> kernel = spec.kernelBoot().map(k -> kernel(k, host, artifacts));
        FirmwarePlan firmware = FirmwarePlanner.plan(spec, host, qemu, artifacts, notes);
        return new StoragePlan(spec.name(), spec.machineType(), host.accelerator(), spec.cpu(), spec.memoryBytes(), qemu,
                objects, all, planned, filesystems, threads, kernel, artifacts, notes, metricsPort, nics, firmware);
    }

    /** A disk added to a running VM: its nodes (bottom-up), its device in {@code slot}, and what to prepare first. */
    public record Hotplug(DiskPlan disk, List<Artifact> artifacts) {
        public Hotplug {
            artifacts = List.copyOf(artifacts);
        }
    }

    /**
     * Plans disk {@code diskName} of {@code spec} (the VM's spec with the new disk and volume in it)
     * for a hotplug into {@code slot}: the same backend rules as at start; no iothread (a running
     * VM's iothreads are fixed), one queue unless blockMultiQueue.
     */
    public static Hotplug planHotplug(VmSpec spec, String diskName, HostFacts host, QemuCapabilities qemu, HotplugSlot slot) {
        DiskSpec d = spec.disks().stream().filter(x -> x.name().equals(diskName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no disk " + diskName + " in the spec"));
        DiskBackends.Backend b = new DiskBackends(spec, host, qemu).plan(d);
        Frontend fe = frontend(d, b.top(), b.cache());
        String id = NodeName.derive("ua", d.name()).value();
        Device device = switch (slot) {
            case HotplugSlot.RootPort p when d.bus() == Bus.VIRTIO -> new VirtioBlkPci(id, PciAddress.onPort(p.port()), fe, Optional.empty(),
                    OptionalInt.of(spec.blockMultiQueue() ? spec.cpu().vcpus() : 1), !thick(d));
            case HotplugSlot.ScsiLun l when d.bus() == Bus.SCSI -> {
                ScsiAddress a = new ScsiAddress(l.controller() + ".0", 0, 0, l.lun());
                yield d.device() instanceof DiskDevice.Lun && b.blockDevice() ? new ScsiBlock(id, a, passthrough(fe, d)) : new ScsiHd(id, a, fe);
            }
            default -> throw new VmmException(VmmException.Kind.LAYOUT_EXHAUSTED, d.name(),
                    "disk \"" + d.name() + "\" is on bus " + d.bus().name().toLowerCase(java.util.Locale.ROOT)
                            + "; only virtio and scsi disks can be hotplugged");
        };
        String prefix = d.bus() == Bus.VIRTIO ? "vd" : "sd";
        return new Hotplug(new DiskPlan(d.name(), prefix + "?", b.nodes(), b.top(), device, b.cache(), Optional.empty()), b.artifacts());
    }

    /** The nodes of a CD-ROM's new medium (bottom-up, {@code top} last) and what to prepare first. */
    public record Medium(List<BlockNode> nodes, NodeName top, List<Artifact> artifacts) {
        public Medium {
            nodes = List.copyOf(nodes);
            artifacts = List.copyOf(artifacts);
        }
    }

    /** Plans the medium of CD-ROM {@code diskName} of {@code spec} (its volume being the new medium), as at start. */
    public static Medium planMedium(VmSpec spec, String diskName, HostFacts host, QemuCapabilities qemu) {
        DiskSpec d = spec.disks().stream().filter(x -> x.name().equals(diskName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no disk " + diskName + " in the spec"));
        DiskBackends.Backend b = new DiskBackends(spec, host, qemu).plan(d);
        return new Medium(b.nodes(), b.top(), b.artifacts());
    }

    private static Frontend frontend(DiskSpec d, NodeName top, CacheMode cache) {
        OnError werror = switch (d.errorPolicy()) {
            case STOP -> OnError.STOP;
            case REPORT -> OnError.REPORT;
            case IGNORE -> OnError.IGNORE;
            case ENOSPACE -> OnError.ENOSPC;
        };
        OnError rerror = switch (d.errorPolicy()) {
            case STOP -> OnError.STOP;
            case REPORT, ENOSPACE -> OnError.REPORT;
            case IGNORE -> OnError.IGNORE;
        };
        boolean writeCache = switch (cache) {
            case NONE, WRITEBACK -> true;
            case WRITETHROUGH -> false;
        };
        return new Frontend(top, d.serial(), d.bootOrder(), writeCache, d.shareable(), werror, rerror,
                d.blockSize().map(b -> new BlockSizes(b.logical(), b.physical(), b.discardGranularity())));
    }

    /** scsi-block passes the device's own serial through; a spec serial cannot be applied there. */
    private static Frontend passthrough(Frontend fe, DiskSpec d) {
        if (fe.blockSizes().isPresent()) {
            throw VmmException.invalid(d.path(), List.of(new SpecProblem(d.path() + ".blockSize", SpecProblem.Rule.INVALID_BLOCK_SIZE,
                    "lun \"" + d.name() + "\" is SCSI passthrough of a host device, which reports its own block sizes; remove blockSize")));
        }
        if (fe.serial().isEmpty()) {
            return fe;
        }
        throw VmmException.invalid(d.path(), List.of(new SpecProblem(d.path() + ".serial", SpecProblem.Rule.INVALID_SERIAL,
                "lun \"" + d.name() + "\" is SCSI passthrough of a host device, which reports its own serial; remove serial")));
    }

    private static boolean thick(DiskSpec d) {
        return switch (d.volume().source()) {
            case VolumeSource.PersistentVolumeClaim c -> c.claim().thick();
            case VolumeSource.DataVolume c -> c.claim().thick();
            default -> false;
        };
    }

    /**
     * The host directory a filesystem shares: a Filesystem claim's directory itself (KubeVirt
     * shares the PVC's mount, not its disk.img), a DataVolume's claim directory, or the host
     * directory of a ConfigMap, Secret or ServiceAccount not in the YAML stream.
     */
    private static Path fsSource(FilesystemSpec f, HostFacts host) {
        return switch (f.volume().source()) {
            case VolumeSource.PersistentVolumeClaim c -> under(f, "claim", host.claimsDir(), filesystemClaim(f, c.claim()));
            case VolumeSource.DataVolume c -> {
                filesystemClaim(f, c.claim());
                yield under(f, "DataVolume", host.claimsDir(), c.name());
            }
            case VolumeSource.ConfigMap c -> under(f, "ConfigMap", host.configMapsDir(), c.name());
            case VolumeSource.Secret s -> under(f, "Secret", host.secretsDir(), s.secretName());
            case VolumeSource.ServiceAccount s -> under(f, "ServiceAccount", host.serviceAccountsDir(), s.serviceAccountName());
            default -> throw new IllegalStateException("filesystem sources are checked when the spec is read");
        };
    }

    /** A Block claim is a device, not a directory: virtiofs cannot share it. */
    private static String filesystemClaim(FilesystemSpec f, dev.qvmm.vmm.spec.ClaimInfo claim) {
        if (claim.mode() == dev.qvmm.vmm.spec.ClaimInfo.VolumeMode.BLOCK) {
            throw VmmException.invalid(f.path(), List.of(new SpecProblem(f.path(), SpecProblem.Rule.UNSUPPORTED_VALUE,
                    "filesystem \"" + f.name() + "\": claim \"" + claim.claimName() + "\" has volumeMode Block, a device "
                            + "virtiofs cannot share; use a Filesystem claim, or attach this one as a disk")));
        }
        return claim.claimName();
    }

    /** Kubernetes object names (DNS subdomains): no '/', no leading dot, so never a way out of {@code root}. */
    private static final java.util.regex.Pattern OBJECT_NAME = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    /**
     * {@code root/name}, where the guest gets read-write access: a name that is not a Kubernetes
     * object name (e.g. {@code ../../etc}) could share any directory of the host, so it is refused.
     */
    private static Path under(FilesystemSpec f, String kind, Path root, String name) {
        if (name.length() > 253 || !OBJECT_NAME.matcher(name).matches()) {
            throw VmmException.invalid(f.path(), List.of(new SpecProblem(f.path(), SpecProblem.Rule.UNSUPPORTED_VALUE,
                    "filesystem \"" + f.name() + "\": " + kind + " name \"" + name + "\" is not a Kubernetes object name "
                            + "(lowercase letters, digits, '-' and '.', at most 253); it must name a directory directly under " + root)));
        }
        return PathGuard.child(root, kind, name);
    }

    /** A ConfigMap or Secret written in the YAML stream: its data, which the run writes out to share. */
    private static Optional<KeyData> inStream(FilesystemSpec f, VmSpec spec) {
        return switch (f.volume().source()) {
            case VolumeSource.ConfigMap c -> Optional.ofNullable(spec.objects().configMaps().get(c.name()));
            case VolumeSource.Secret s -> Optional.ofNullable(spec.objects().secrets().get(s.secretName()));
            default -> Optional.empty();
        };
    }

    private static StoragePlan.KernelPlan kernel(KernelBoot k, HostFacts host, List<Artifact> artifacts) {
        Path root;
        if (k.imageIsHostDirectory()) {
            root = Path.of(k.image());
        } else {
            root = PathGuard.child(host.imageStore(), "image store entry", DiskBackends.imageKey(k.image()), "rootfs");
            artifacts.add(new Artifact.PullContainerDisk("kernelBoot", k.image(), Optional.empty(), root));
        }
        // Lexically inside the image here; the preparer checks again once links can be resolved (PathGuard.realChild).
        return new StoragePlan.KernelPlan(root, k.kernelPath().map(p -> PathGuard.inside(root, Path.of(strip(p)), "kernelBoot kernelPath")),
                k.initrdPath().map(p -> PathGuard.inside(root, Path.of(strip(p)), "kernelBoot initrdPath")), k.kernelArgs());
    }

    private static String strip(String p) {
        return p.startsWith("/") ? p.substring(1) : p;
    }

    private static int count(List<DiskSpec> disks, Bus bus) {
        int n = 0;
        for (DiskSpec d : disks) {
            if (d.bus() == bus) {
                n++;
            }
        }
        return n;
    }

    static long memoryMiB(long bytes) {
        return (bytes + (1L << 20) - 1) >> 20;
    }

    /** 0 -> a, 25 -> z, 26 -> aa: Linux's (and KubeVirt's) disk letters. */
    static String letters(int index) {
        StringBuilder sb = new StringBuilder();
        int i = index;
        do {
            sb.insert(0, (char) ('a' + i % 26));
            i = i / 26 - 1;
        } while (i >= 0);
        return sb.toString();
    }
}
