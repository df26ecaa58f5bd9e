package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.Aio;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.DetectZeroes;
import dev.qvmm.blockdev.Discard;
import dev.qvmm.blockdev.FileNode;
import dev.qvmm.blockdev.HostDeviceNode;
import dev.qvmm.blockdev.Locking;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.blockdev.NodeOptions;
import dev.qvmm.blockdev.Qcow2Node;
import dev.qvmm.blockdev.RawNode;
import dev.qvmm.vmm.PathGuard;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.CacheMode;
import dev.qvmm.vmm.spec.ClaimInfo;
import dev.qvmm.vmm.spec.CloudInitData;
import dev.qvmm.vmm.spec.DataVolumeSpec;
import dev.qvmm.vmm.spec.DiskDevice;
import dev.qvmm.vmm.spec.DiskSpec;
import dev.qvmm.vmm.spec.IoMode;
import dev.qvmm.vmm.spec.KeyData;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.spec.VolumeSource;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The backend of one disk: where its data lives on the host, the chain of block nodes over it and
 * the artifacts to prepare. Node names: {@code f-<disk>} protocol and {@code d-<disk>} format of the
 * disk's image; with an overlay, {@code of-<disk>} and {@code o-<disk>} on top.
 *
 * <p>Cache: the spec's mode, or {@code none} when O_DIRECT works for every file of the chain, else
 * {@code writethrough}; {@code none} asked for where O_DIRECT fails is refused. aio: io_uring when
 * QEMU has it and the host asks for it, native with direct I/O, threads otherwise.
 */
final class DiskBackends {

    /** The nodes (bottom-up), the top node, the cache chosen, artifacts, and whether the data is a host block device. */
    record Backend(List<BlockNode> nodes, NodeName top, CacheMode cache, List<Artifact> artifacts, boolean blockDevice) {
    }

    /** One image file or device of a chain. */
    private record Image(Path path, boolean blockDevice, String format, boolean readOnly, boolean thick) {
    }

    private final VmSpec spec;
    private final HostFacts host;
    private final QemuCapabilities qemu;
    /** What the plan should tell the user about a choice made here (a Block claim served from a file). */
    private final List<String> notes = new ArrayList<>();

    DiskBackends(VmSpec spec, HostFacts host, QemuCapabilities qemu) {
        this.spec = spec;
        this.host = host;
        this.qemu = qemu;
    }

    Backend plan(DiskSpec disk) {
        List<Artifact> artifacts = new ArrayList<>();
        String n = disk.name();
        Image base;
        Optional<Image> overlay = Optional.empty();
        boolean overlayFromHeader = false;
        Path vmDir = host.runDir();
        switch (disk.volume().source()) {
            case VolumeSource.PersistentVolumeClaim c -> base = claim(disk, c.claim(), disk.readOnly(), artifacts, Optional.empty());
            case VolumeSource.DataVolume dv -> base = claim(disk, dv.claim(), disk.readOnly(), artifacts,
                    Optional.ofNullable(spec.dataVolumes().get(dv.name())));
            case VolumeSource.Ephemeral e -> {
                // The claim's image is the read-only base: a Filesystem claim's disk.img is used as it is (never
                // created for an ephemeral volume); a Block claim's device is still checked.
                List<Artifact> claimArtifacts = new ArrayList<>();
                base = claim(disk, e.claim(), true, claimArtifacts, Optional.empty());
                claimArtifacts.stream().filter(a -> a instanceof Artifact.RequireBlockDevice).forEach(artifacts::add);
                Path path = PathGuard.child(vmDir, "ephemeral overlay of disk", "ephemeral", n + ".qcow2");
                overlay = Optional.of(new Image(path, false, "qcow2", disk.readOnly(), false));
                artifacts.add(new Artifact.CreateOverlay(n, path, base.path(), Optional.of(base.format())));
            }
            case VolumeSource.ContainerDisk c -> {
                Path diskPath = PathGuard.child(host.imageStore(), "image store entry", imageKey(c.image()), "disk.img");
                artifacts.add(new Artifact.PullContainerDisk(n, c.image(), c.path(), diskPath));
                Path path = PathGuard.child(vmDir, "containerDisk overlay of disk", "container-disks", n + ".qcow2");
                artifacts.add(new Artifact.CreateOverlay(n, path, diskPath));
                base = null;
                overlay = Optional.of(new Image(path, false, "qcow2", disk.readOnly(), false));
                overlayFromHeader = true;
            }
            case VolumeSource.EmptyDisk e -> {
                Path path = PathGuard.child(vmDir, "emptyDisk", "empty-disks", n + ".qcow2");
                artifacts.add(new Artifact.CreateEmptyDisk(n, path, e.capacityBytes()));
                base = new Image(path, false, "qcow2", disk.readOnly(), false);
            }
            case VolumeSource.HostDisk h -> {
                Path path = Path.of(h.path());
                artifacts.add(switch (h.type()) {
                    case DISK -> new Artifact.RequireHostDisk(n, path);
                    case DISK_OR_CREATE -> new Artifact.CreateHostDisk(n, path, h.capacityBytes().orElseThrow());
                });
                base = new Image(path, false, "raw", disk.readOnly(), false);
            }
            case VolumeSource.CloudInitNoCloud c -> base = iso(disk, "cidata", cloudInit(IsoContent.Layout.NO_CLOUD, c.data()), artifacts);
            case VolumeSource.CloudInitConfigDrive c -> base = iso(disk, "config-2", cloudInit(IsoContent.Layout.CONFIG_DRIVE, c.data()), artifacts);
            case VolumeSource.ConfigMap c -> base = iso(disk, c.volumeLabel().orElse("cfgdata"),
                    new IsoContent.Keys(object("ConfigMap", c.name())), artifacts);
            case VolumeSource.Secret s -> base = iso(disk, s.volumeLabel().orElse("cfgdata"),
                    new IsoContent.Keys(object("Secret", s.secretName())), artifacts);
            case VolumeSource.ServiceAccount s -> base = iso(disk, "cfgdata", new IsoContent.ServiceAccount(s.serviceAccountName(),
                    spec.namespace(), PathGuard.child(host.serviceAccountsDir(), "ServiceAccount", s.serviceAccountName())), artifacts);
            case VolumeSource.DownwardMetrics d -> {
                Path path = PathGuard.child(vmDir, "downwardMetrics disk", "downward-metrics", n + ".raw");
                artifacts.add(new Artifact.DownwardMetricsDisk(n, path, spec.cpu().vcpus(), spec.memoryBytes()));
                base = new Image(path, false, "raw", disk.readOnly(), false);
            }
        }
        List<Path> files = new ArrayList<>();
        if (base != null) files.add(base.path());
        overlay.ifPresent(o -> files.add(o.path()));
        CacheMode cache = cache(disk, files);
        boolean direct = cache == CacheMode.NONE;
        Aio aio = aio(disk, direct);
        Locking locking = disk.shareable() ? Locking.OFF : Locking.AUTO;

        List<BlockNode> nodes = new ArrayList<>();
        NodeName top = null;
        if (base != null) {
            NodeName f = NodeName.derive("f", n);
            NodeName d = NodeName.derive("d", n);
            NodeOptions o = options(base, direct);
            nodes.add(base.blockDevice()
                    ? new HostDeviceNode(f, base.path(), o, aio, locking, prManager(disk))
                    : new FileNode(f, base.path(), o, aio, locking));
            nodes.add("qcow2".equals(base.format()) ? new Qcow2Node(d, f, o, new Qcow2Node.NoBacking()) : new RawNode(d, f, o));
            top = d;
        }
        if (overlay.isPresent()) {
            Image ov = overlay.get();
            NodeName of = NodeName.derive("of", n);
            NodeName o = NodeName.derive("o", n);
            NodeOptions opts = options(ov, direct);
            nodes.add(new FileNode(of, ov.path(), opts, aio, locking));
            nodes.add(new Qcow2Node(o, of, opts, overlayFromHeader ? new Qcow2Node.FromHeader() : new Qcow2Node.BackingNode(top)));
            top = o;
        }
        return new Backend(nodes, top, cache, artifacts, base != null && base.blockDevice());
    }

    private Optional<String> prManager(DiskSpec disk) {
        return disk.device() instanceof DiskDevice.Lun l && l.reservation() ? Optional.of(StoragePlanner.PR_MANAGER_ID) : Optional.empty();
    }

    private static NodeOptions options(Image image, boolean direct) {
        return image.thick()
                ? new NodeOptions(image.readOnly(), direct, Discard.IGNORE, DetectZeroes.OFF)
                : new NodeOptions(image.readOnly(), direct, Discard.UNMAP, DetectZeroes.UNMAP);
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    private Image claim(DiskSpec disk, ClaimInfo claim, boolean readOnly, List<Artifact> artifacts, Optional<DataVolumeSpec> dv) {
        Optional<Path> fromHost = Optional.ofNullable(host.claimDevices().get(claim.claimName()));
        Optional<Path> fromStream = claim.devicePath().map(Path::of);
        if (claim.mode() == ClaimInfo.VolumeMode.BLOCK && fromHost.isEmpty() && fromStream.isEmpty()) {
            // DESIGN's stand-in for a Block claim no device is bound to: a file presented raw, as a
            // provisioner would give it storage; a persistent reservation still needs a real device.
            if (disk.device() instanceof DiskDevice.Lun l && l.reservation()) {
                throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, disk.path(), disk.path() + ".lun.reservation: claim \""
                        + claim.claimName() + "\" is volumeMode Block but no host device is bound to it, and a persistent reservation "
                        + "needs one; add a PersistentVolume with local.path or bind a device in the host config (blockClaims)");
            }
            notes.add(disk.path() + ": claim \"" + claim.claimName() + "\" is volumeMode Block but no host device is bound to it; "
                    + "it is served from " + PathGuard.child(host.claimsDir(), "claim", claim.claimName(), "disk.img")
                    + " presented raw (bind a device with a PersistentVolume's local.path or the host config's blockClaims)");
        } else if (claim.mode() == ClaimInfo.VolumeMode.BLOCK) {
            if (fromHost.isPresent() && fromStream.isPresent() && !fromHost.get().equals(fromStream.get())) {
                throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, disk.path(), disk.path() + ": claim \""
                        + claim.claimName() + "\" is bound to " + fromHost.get() + " by the host config's blockClaims but to "
                        + fromStream.get() + " by its PersistentVolume; remove one binding so that the device is not in doubt");
            }
            Path device = fromHost.or(() -> fromStream).orElseThrow();
            artifacts.add(new Artifact.RequireBlockDevice(disk.name(), claim.claimName(), device, claim.requestedBytes(),
                    fromHost.isPresent() ? "the host config's blockClaims" : "its PersistentVolume"));
            dv.ifPresent(d -> artifacts.add(new Artifact.ImportDataVolume(disk.name(), d.name(), source(d), device,
                    d.claim().requestedBytes(), true)));
            return new Image(device, true, "raw", readOnly, claim.thick());
        }
        Path path = PathGuard.child(host.claimsDir(), "claim", claim.claimName(), "disk.img");
        if (dv.isPresent()) {
            DataVolumeSpec d = dv.get();
            artifacts.add(new Artifact.ImportDataVolume(disk.name(), d.name(), source(d), path, d.claim().requestedBytes(), false));
        } else {
            artifacts.add(new Artifact.EnsureClaimImage(disk.name(), claim.claimName(), path, claim.imageBytes(),
                    claim.thick(), host.expandDisks(), host.tolerateLessSpacePercent()));
        }
        if (disk.device() instanceof DiskDevice.Lun l && l.reservation()) {
            throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, disk.path(),
                    disk.path() + ".lun.reservation: claim \"" + claim.claimName()
                            + "\" is a Filesystem claim (a disk.img file); persistent reservation needs a Block claim");
        }
        return new Image(path, false, "raw", readOnly, claim.thick());
    }

    private Image iso(DiskSpec disk, String label, IsoContent content, List<Artifact> artifacts) {
        Path path = PathGuard.child(host.runDir(), "generated ISO of disk", "config", disk.name() + ".iso");
        artifacts.add(new Artifact.BuildIso(disk.name(), path, label, content));
        return new Image(path, false, "raw", disk.readOnly(), false);
    }

    private IsoContent.CloudInit cloudInit(IsoContent.Layout layout, CloudInitData d) {
        return new IsoContent.CloudInit(layout, IsoFiles.instanceId(spec.name()), spec.hostname(),
                d.userData().map(this::data), d.networkData().map(this::data));
    }

    private IsoContent.Data data(CloudInitData.Source s) {
        return switch (s) {
            case CloudInitData.Inline i -> new IsoContent.Inline(i.text());
            case CloudInitData.FromSecret f -> new IsoContent.FromSecret(object("Secret", f.secret()), f.keys(), f.required());
        };
    }

    /** A ConfigMap or Secret from the YAML stream, else the host directory that must hold it. */
    private IsoContent.KeyObject object(String kind, String name) {
        KeyData inStream = (kind.equals("Secret") ? spec.objects().secrets() : spec.objects().configMaps()).get(name);
        if (inStream != null) {
            return new IsoContent.InStream(kind, name, inStream);
        }
        return new IsoContent.HostDirectory(kind, name, PathGuard.child(kind.equals("Secret") ? host.secretsDir() : host.configMapsDir(), kind, name));
    }

    /** The DataVolume's source on this host: URLs parsed, a clone's claim and a registry image's store entry resolved. */
    private ImportSource source(DataVolumeSpec dv) {
        Optional<String> sha256 = dv.checksum().map(c -> c.substring("sha256:".length()));
        return switch (dv.source()) {
            case DataVolumeSpec.Http h -> {
                URI url = URI.create(h.url());
                yield "file".equalsIgnoreCase(url.getScheme()) ? new ImportSource.LocalFile(Path.of(url), sha256)
                        : new ImportSource.Http(url, sha256, h.secretRef().map(s -> object("Secret", s)),
                        h.certConfigMap().map(c -> object("ConfigMap", c)));
            }
            case DataVolumeSpec.S3 h -> new ImportSource.S3(h.url());
            case DataVolumeSpec.Registry r -> {
                String image = r.url().substring("docker://".length());
                yield new ImportSource.Registry(image, PathGuard.child(host.imageStore(), "image store entry", imageKey(image), "disk.img"));
            }
            case DataVolumeSpec.Blank b -> new ImportSource.Blank();
            case DataVolumeSpec.Upload u -> new ImportSource.Upload();
            case DataVolumeSpec.Clone c -> new ImportSource.Clone(c.claimName(), PathGuard.child(host.claimsDir(), "clone source claim", c.claimName(), "disk.img"));
        };
    }

    /** A directory name for an image reference: unsafe characters become '_'. */
    static String imageKey(String image) {
        return image.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private CacheMode cache(DiskSpec disk, List<Path> files) {
        Optional<Path> noDirect = files.stream().filter(p -> !host.directIo(p)).findFirst();
        if (disk.cache().isPresent()) {
            CacheMode asked = disk.cache().get();
            if (asked == CacheMode.NONE && noDirect.isPresent()) {
                throw new VmmException(VmmException.Kind.DIRECT_IO_UNSUPPORTED, disk.path(), disk.path()
                        + ": cache none (O_DIRECT) " + (disk.shareable() ? "is required for a shareable disk but " : "")
                        + "does not work on " + noDirect.get() + "; use cache writethrough, or move the image to a file system with O_DIRECT");
            }
            return asked;
        }
        return noDirect.isPresent() ? CacheMode.WRITETHROUGH : CacheMode.NONE;
    }

    private Aio aio(DiskSpec disk, boolean direct) {
        if (disk.io().isPresent()) {
            if (disk.io().get() == IoMode.NATIVE && !direct) {
                throw VmmException.invalid(disk.path(), List.of(new SpecProblem(disk.path() + ".io", SpecProblem.Rule.INVALID_IO,
                        "io native needs cache none (O_DIRECT); this disk's cache is not none")));
            }
            return disk.io().get() == IoMode.NATIVE ? Aio.NATIVE : Aio.THREADS;
        }
        if (qemu.ioUring() && host.preferIoUring()) {
            return Aio.IO_URING;
        }
        return direct ? Aio.NATIVE : Aio.THREADS;
    }
}
