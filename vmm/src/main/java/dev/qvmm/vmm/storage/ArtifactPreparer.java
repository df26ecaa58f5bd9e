package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.BlockdevException;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.host.BlockDevices;
import dev.qvmm.vmm.image.ContainerDiskStore;
import dev.qvmm.virtiofsd.Cache;
import dev.qvmm.virtiofsd.ShareOptions;
import dev.qvmm.virtiofsd.Virtiofsd;
import dev.qvmm.virtiofsd.VirtiofsdBinary;
import dev.qvmm.virtiofsd.VirtiofsdException;
import dev.qvmm.vmm.launch.Companion;
import dev.qvmm.vmm.metrics.MetricsCollector;
import dev.qvmm.vmm.metrics.VhostmdDiskWriter;
import dev.qvmm.vmm.metrics.VhostmdPortServer;
import dev.qvmm.vmm.launch.VirtiofsdCompanion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Makes a plan's {@link Artifact}s exist on the host, in plan order. Every step that creates
 * something registers its undo, so a failure (or a VM that never starts) leaves nothing behind;
 * {@link Prepared#removeEphemeral()} later removes what belongs to the VM's run (overlays, empty
 * disks) and never what belongs to the user (claim images, host disks, image directories).
 * Errors name the volume and the file.
 */
public final class ArtifactPreparer {

    private static final long MIB = 1L << 20;

    private final QemuImg qemuImg;
    private final ImportProgress importProgress;
    private Optional<Path> virtiofsd = Optional.empty();
    private Optional<ShareOptions.RunAs> virtiofsdUser = Optional.empty();
    private Virtiofsd.Lifetime lifetime = Virtiofsd.Lifetime.WITH_PARENT;

    /** Import progress goes to the terminal when there is one, else nowhere. */
    public ArtifactPreparer(QemuImg qemuImg) {
        this(qemuImg, ImportProgress.terminal());
    }

    public ArtifactPreparer(QemuImg qemuImg, ImportProgress importProgress) {
        this.qemuImg = qemuImg;
        this.importProgress = importProgress;
    }

    /**
     * Use this virtiofsd binary (the host config's) instead of looking in the usual places, and
     * run it as {@code user} when given (unprivileged mode).
     */
    public ArtifactPreparer virtiofsd(Optional<Path> binary, Optional<ShareOptions.RunAs> user) {
        this.virtiofsd = binary;
        this.virtiofsdUser = user;
        return this;
    }

    /**
     * Daemons (virtiofsd) started from now on live on their own instead of dying with this JVM:
     * for the qvmm daemon, whose guests and their helpers outlive it and are adopted by the next.
     */
    public ArtifactPreparer detachedDaemons() {
        this.lifetime = Virtiofsd.Lifetime.DETACHED;
        return this;
    }

    /** What was prepared for one run of a VM. */
    public static final class Prepared {
        private final List<Path> ephemeral;
        private final List<Companion> companions;

        Prepared(List<Path> ephemeral, List<Companion> companions) {
            this.ephemeral = List.copyOf(ephemeral);
            this.companions = List.copyOf(companions);
        }

        /** What serves the VM while it runs (virtiofsd daemons, the metrics writer), in start order. */
        public List<Companion> companions() {
            return companions;
        }

        /** Stops every companion, last started first. */
        public void closeCompanions() {
            for (Companion c : companions.reversed()) {
                c.close();
            }
        }

        /** The run's own files, in creation order. */
        public List<Path> ephemeral() {
            return ephemeral;
        }

        /** Stops the companions and removes the run's own files; user data is never among them. */
        public void removeEphemeral() throws IOException {
            closeCompanions();
            for (Path p : ephemeral.reversed()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Prepared prepare(List<Artifact> artifacts) {
        List<Path> ephemeral = new ArrayList<>();
        List<Companion> companions = new ArrayList<>();
        try (Rollback rollback = new Rollback()) {
            for (Artifact a : artifacts) {
                try {
                    prepare(a, rollback, ephemeral, companions);
                } catch (BlockdevException e) {
                    throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, a.forName(),
                            "volume \"" + a.forName() + "\": " + e.getMessage(), List.of(), e);
                } catch (IOException e) {
                    throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, a.forName(),
                            "volume \"" + a.forName() + "\": " + e, List.of(), e);
                }
            }
            rollback.commit();
        }
        return new Prepared(ephemeral, companions);
    }

    /**
     * For a VM whose QEMU an earlier qvmm started: starts again the companions that can be taken
     * over (the downwardMetrics writer rewrites the disk QEMU has open; the metrics port listens
     * again and QEMU reconnects; a detached virtiofsd is adopted by its pid file) and touches
     * nothing else. Returns them as a {@link Prepared}
     * without files of its own; the names of those it cannot take over go to {@code notResumed}.
     */
    public Prepared resume(List<Artifact> artifacts, List<String> notResumed) {
        List<Companion> companions = new ArrayList<>();
        try (Rollback rollback = new Rollback()) {
            for (Artifact a : artifacts) {
                try {
                    switch (a) {
                        case Artifact.DownwardMetricsDisk m -> {
                            VhostmdDiskWriter w = VhostmdDiskWriter.resume(m.forName(), m.path(), MetricsCollector.forHost(m.vcpus(), m.memoryBytes()));
                            rollback.add(w::close);
                            companions.add(w);
                        }
                        case Artifact.DownwardMetricsPort m -> {
                            Files.deleteIfExists(m.socket());
                            VhostmdPortServer s = VhostmdPortServer.start(m.forName(), m.socket(), MetricsCollector.forHost(m.vcpus(), m.memoryBytes()));
                            rollback.add(s::close);
                            companions.add(s);
                        }
                        case Artifact.StartVirtiofsd v -> {
                            // A detached virtiofsd still serves the QEMU: take it over by the pid file beside its socket.
                            Path pidFile = v.socket().resolveSibling(v.forName() + ".pid");
                            Optional<Virtiofsd> daemon = Files.exists(pidFile)
                                    ? Virtiofsd.adopt(Long.parseLong(Files.readString(pidFile).strip()),
                                            new ShareOptions(v.forName(), v.sharedDir(), Cache.AUTO, virtiofsdUser), v.socket(), v.log())
                                    : Optional.empty();
                            if (daemon.isEmpty()) {
                                notResumed.add(v.forName() + " (its virtiofsd is gone)");
                            } else {
                                VirtiofsdCompanion c = new VirtiofsdCompanion(v.forName(), daemon.get(),
                                        v.contents().isPresent() ? Optional.of(v.sharedDir().getParent()) : Optional.empty());
                                rollback.add(c::close);
                                companions.add(c);
                            }
                        }
                        case Artifact.CreateTap t -> {
                            // QEMU holds the tap; it is removed when the VM ends
                            TapDevice tap = TapDevice.existing(t.forName(), t.tap());
                            rollback.add(tap::close);
                            companions.add(tap);
                        }
                        default -> {
                            // files and images exist already: QEMU has them open
                        }
                    }
                } catch (IOException e) {
                    notResumed.add(a.forName() + " (" + e.getMessage() + ")");
                }
            }
            rollback.commit();
        }
        return new Prepared(List.of(), companions);
    }

    /**
     * Prepares one artifact. A companion it starts is added to {@code companions} and its
     * {@link Companion#close()} registered on {@code rollback}.
     */
    private void prepare(Artifact a, Rollback rollback, List<Path> ephemeral, List<Companion> companions) throws IOException {
        switch (a) {
            case Artifact.PullContainerDisk p -> {
                if (Path.of(p.image()).isAbsolute()) {
                    linkHostDirectoryImage(p, rollback);
                } else if (p.diskPath().getFileName().toString().equals("rootfs")) {
                    // kernelBoot: the planner asks for the image's file system (kernel and initrd), not a disk
                    ContainerDiskStore.onPath(qemuImg).pullRootfs(p.forName(), p.image(), p.diskPath(), rollback);
                } else {
                    ContainerDiskStore.onPath(qemuImg).pull(p.forName(), p.image(), p.pathInImage(), p.diskPath(), rollback);
                }
            }
            case Artifact.CreateOverlay o -> {
                String backingFormat = o.backingFormat().isPresent() ? o.backingFormat().get() : qemuImg.info(o.backing()).format();
                HostFiles.createParents(o.path(), rollback);
                qemuImg.createOverlay(o.path(), o.backing(), backingFormat);
                rollback.add(() -> Files.deleteIfExists(o.path()));
                Files.setPosixFilePermissions(o.path(), PosixFilePermissions.fromString("rw-r-----"));
                ephemeral.add(o.path());
            }
            case Artifact.CreateEmptyDisk e -> {
                HostFiles.createParents(e.path(), rollback);
                qemuImg.createQcow2(e.path(), e.sizeBytes() / MIB * MIB);
                rollback.add(() -> Files.deleteIfExists(e.path()));
                ephemeral.add(e.path());
            }
            case Artifact.CreateHostDisk h -> {
                if (!Files.exists(h.path())) {
                    HostFiles.createSparse(h.path(), h.sizeBytes(), rollback);
                }
            }
            case Artifact.RequireHostDisk h -> {
                if (!Files.exists(h.path())) {
                    throw unavailable(a, "hostDisk " + h.path() + " does not exist (type Disk needs an existing image; "
                            + "use type DiskOrCreate with a capacity to have it created)");
                }
            }
            case Artifact.EnsureClaimImage c -> ensureClaimImage(c, rollback);
            case Artifact.RequireBlockDevice b -> requireBlockDevice(b);
            case Artifact.RequirePrHelper pr -> {
                if (!Files.exists(pr.socket())) {
                    throw unavailable(a, "qemu-pr-helper's socket " + pr.socket() + " does not exist: start qemu-pr-helper first");
                }
            }
            case Artifact.ImportDataVolume d -> DataVolumeImporter.onPath(qemuImg, importProgress).importInto(d, rollback);
            case Artifact.BuildIso iso -> ephemeral.add(IsoBuilder.onPath().build(iso, rollback));
            case Artifact.DownwardMetricsDisk m -> {
                HostFiles.createParents(m.path(), rollback);
                Files.deleteIfExists(m.path()); // a leftover of a run that was killed; the run owns this path
                rollback.add(() -> Files.deleteIfExists(m.path()));
                ephemeral.add(m.path());
                VhostmdDiskWriter writer = VhostmdDiskWriter.start(m.forName(), m.path(),
                        MetricsCollector.forHost(m.vcpus(), m.memoryBytes()));
                rollback.add(writer::close);
                companions.add(writer);
            }
            case Artifact.DownwardMetricsPort m -> {
                HostFiles.createParents(m.socket(), rollback);
                Files.deleteIfExists(m.socket());
                VhostmdPortServer server = VhostmdPortServer.start(m.forName(), m.socket(),
                        MetricsCollector.forHost(m.vcpus(), m.memoryBytes()));
                rollback.add(server::close);
                companions.add(server);
            }
            case Artifact.StartVirtiofsd v -> startVirtiofsd(v, rollback, companions);
            case Artifact.CreateTap t -> {
                TapDevice tap = TapDevice.create(t.forName(), t.tap(), t.bridge());
                rollback.add(tap::close);
                companions.add(tap);
            }
            case Artifact.CopyEfiVars v -> EfiVars.prepare(v, rollback, ephemeral);
        }
    }

    /**
     * A containerDisk whose image is an absolute host directory: its disk is {@code path}, or the
     * single file under {@code /disk}; the image store gets a symbolic link to it.
     */
    private void linkHostDirectoryImage(Artifact.PullContainerDisk p, Rollback rollback) throws IOException {
        Path dir = Path.of(p.image());
        if (!Files.isDirectory(dir)) {
            throw unavailable(p, "containerDisk image directory " + dir + " does not exist");
        }
        Path disk;
        if (p.pathInImage().isPresent()) {
            disk = dir.resolve(p.pathInImage().get().replaceFirst("^/+", ""));
            if (!Files.isRegularFile(disk)) {
                throw unavailable(p, "containerDisk path " + p.pathInImage().get() + " is not a file in " + dir);
            }
        } else {
            List<Path> files;
            Path diskDir = dir.resolve("disk");
            try (Stream<Path> s = Files.isDirectory(diskDir) ? Files.list(diskDir) : Stream.empty()) {
                files = s.filter(Files::isRegularFile).toList();
            }
            if (files.size() != 1) {
                throw unavailable(p, "containerDisk image " + dir + " must hold exactly one file under /disk, found "
                        + files.size() + "; or set the volume's path");
            }
            disk = files.getFirst();
        }
        QemuImg.Info info = qemuImg.info(disk);
        if (!info.format().equals("raw") && !info.format().equals("qcow2")) {
            throw unavailable(p, "containerDisk " + disk + " is " + info.format() + "; only raw and qcow2 are accepted");
        }
        if (info.backingFilename() != null) {
            throw unavailable(p, "containerDisk " + disk + " has a backing file (" + info.backingFilename()
                    + "); it must be self-contained");
        }
        if (Files.isSymbolicLink(p.diskPath()) && Files.readSymbolicLink(p.diskPath()).equals(disk)) {
            return;
        }
        HostFiles.createParents(p.diskPath(), rollback);
        Files.deleteIfExists(p.diskPath());
        Files.createSymbolicLink(p.diskPath(), disk);
        rollback.add(() -> Files.deleteIfExists(p.diskPath()));
    }

    /**
     * Writes a stream ConfigMap or Secret out first if the share is one, then starts the daemon.
     * The daemon and what was written for it are undone by its {@link Companion#close()}.
     */
    private void startVirtiofsd(Artifact.StartVirtiofsd v, Rollback rollback, List<Companion> companions) throws IOException {
        Optional<Path> owned = Optional.empty();
        if (v.contents().isPresent()) {
            // The run directory is readable by every host user; a Secret's copy must not be. Its
            // parent is 0700 and belongs to the daemon's user, the shared directory itself keeps
            // Kubernetes' modes for the guest.
            Path barrier = v.sharedDir().getParent();
            owned = Optional.of(barrier);
            rollback.add(() -> deleteTree(barrier));
            Files.createDirectories(barrier);
            Files.setPosixFilePermissions(barrier, PosixFilePermissions.fromString("rwx------"));
            if (virtiofsdUser.isPresent()) {
                Files.setAttribute(barrier, "unix:uid", virtiofsdUser.get().uid());
                Files.setAttribute(barrier, "unix:gid", virtiofsdUser.get().gid());
            }
            KeyDirectory.write(v.sharedDir(), v.contents().get().toMap());
        }
        if (v.createIfMissing() && !Files.exists(v.sharedDir())) {
            // An empty claim, as a provisioner would make it; undone only while still empty (never user data).
            HostFiles.createParents(v.sharedDir().resolve("x"), rollback);
        }
        Files.createDirectories(v.socket().getParent());
        Virtiofsd daemon;
        try {
            VirtiofsdBinary binary = VirtiofsdBinary.find(virtiofsd);
            daemon = Virtiofsd.start(binary, new ShareOptions(v.forName(), v.sharedDir(), Cache.AUTO, virtiofsdUser),
                    v.socket(), v.log(), lifetime);
        } catch (VirtiofsdException e) {
            VmmException.Kind kind = e.kind() == VirtiofsdException.Kind.NOT_FOUND || e.kind() == VirtiofsdException.Kind.UNRECOGNISED
                    ? VmmException.Kind.SOURCE_UNSUPPORTED : VmmException.Kind.VOLUME_UNAVAILABLE;
            throw new VmmException(kind, v.forName(), "filesystem \"" + v.forName() + "\": " + e.getMessage(), List.of(), e);
        }
        VirtiofsdCompanion companion;
        try {
            companion = new VirtiofsdCompanion(v.forName(), daemon, owned);
        } catch (IOException e) {
            daemon.close();
            throw e;
        }
        companions.add(companion);
        rollback.add(companion::close);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Warnings from preparation (a claim image made smaller than requested), for the caller to show before QEMU starts. */
    private final List<String> warnings = new ArrayList<>();

    /** What preparation warned about so far, in order: each is a complete sentence naming the claim and the figures. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    private void ensureClaimImage(Artifact.EnsureClaimImage c, Rollback rollback) throws IOException {
        ClaimImage.ensure(qemuImg, c, rollback).ifPresent(warnings::add);
    }

    /**
     * A Block claim's device exists, is a block device and holds the claim's request: its size by
     * the BLKGETSIZE64 ioctl, as KubeVirt reads a block volume's.
     */
    static long requireBlockDevice(Artifact.RequireBlockDevice b) throws IOException {
        String claim = "claim \"" + b.claimName() + "\" (bound to " + b.device() + " by " + b.boundBy() + ")";
        if (!Files.exists(b.device())) {
            throw unavailable(b, claim + ": " + b.device() + " does not exist; attach the device or fix the binding");
        }
        if (!BlockDevices.isBlockDevice(b.device())) {
            throw unavailable(b, claim + ": " + b.device() + " is not a block device but a "
                    + (Files.isDirectory(b.device()) ? "directory" : Files.isRegularFile(b.device()) ? "regular file" : "special file")
                    + "; a volumeMode Block claim needs a host block device (for an image file use a Filesystem claim or a hostDisk)");
        }
        long size = BlockDevices.sizeBytes(b.device());
        if (b.requestedBytes().isPresent() && size < b.requestedBytes().getAsLong()) {
            throw new VmmException(VmmException.Kind.INSUFFICIENT_SPACE, b.forName(), "volume \"" + b.forName() + "\": " + claim
                    + " requests " + b.requestedBytes().getAsLong() + " bytes but the device has " + size
                    + " bytes; bind a larger device or lower resources.requests.storage");
        }
        return size;
    }

    private static VmmException unavailable(Artifact a, String why) {
        return new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, a.forName(), "volume \"" + a.forName() + "\": " + why);
    }

    private static VmmException unsupported(Artifact a, String why) {
        return new VmmException(VmmException.Kind.SOURCE_UNSUPPORTED, a.forName(), "volume \"" + a.forName() + "\": " + why);
    }
}
