package dev.qvmm.vmm.daemon;

import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.launch.LaunchSpec;
import dev.qvmm.vmm.launch.RunDirectory;
import dev.qvmm.vmm.session.VmEvent;
import dev.qvmm.vmm.session.VmSession;
import dev.qvmm.vmm.session.VmState;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.storage.ArgvRenderer;
import dev.qvmm.vmm.storage.ArtifactPreparer;
import dev.qvmm.vmm.storage.HostPlanning;
import dev.qvmm.vmm.storage.ImportProgress;
import dev.qvmm.vmm.storage.PortForwards;
import dev.qvmm.vmm.storage.StoragePlan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One VM of the daemon: its stored spec and, while it runs, its {@link VmSession}. Operations on
 * it run one at a time on its own thread, in the order they were asked; {@link #status()} answers
 * from memory at any time, also while a long operation runs. A run that ends without a stop being
 * asked for is started again as the VM's run strategy says.
 */
public final class ManagedVm {

    static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    private final String name;
    private final DaemonHost host;
    private final VmStore store;
    private final Consumer<VmEvent> events;
    private final OperationQueue ops;
    private volatile VmSession session;
    private volatile List<Path> ephemeral = List.of();
    private volatile ArtifactPreparer.Prepared prepared;
    private volatile VmEvent status;
    private volatile HotplugVolumes hotplug;
    private volatile Media media;
    /** The block nodes of the plan's disks, CD-ROM media apart (those are in {@link #media}). */
    private volatile List<String> planNodes = List.of();
    private volatile String graphNote = "";
    private final Restarts restarts = new Restarts();

    private ManagedVm(String name, DaemonHost host, VmStore store, Consumer<VmEvent> events, VmEvent status) {
        this.name = name;
        this.host = host;
        this.store = store;
        this.events = events;
        this.status = status;
        this.ops = new OperationQueue(name);
    }

    /** A VM just created: stopped until started. */
    static ManagedVm created(String name, DaemonHost host, VmStore store, Consumer<VmEvent> events) {
        return new ManagedVm(name, host, store, events, new VmEvent(Instant.now(), name, VmState.PENDING, "Created", "stopped"));
    }

    /**
     * A stored VM met when the daemon starts: adopts its QEMU when the record names one that still
     * runs, reports it Failed (and cleans up after it) when that QEMU is gone, which starts it again
     * when its run strategy says so (Always, RerunOnFailure), else leaves it stopped.
     */
    static ManagedVm restored(String name, DaemonHost host, VmStore store, Consumer<VmEvent> events) throws IOException {
        VmRecord r = store.record(name).orElse(null);
        VmEvent last = r == null ? new VmEvent(Instant.now(), name, VmState.PENDING, "Created", "stopped")
                : r.lastEvent();
        ManagedVm vm = new ManagedVm(name, host, store, events, last);
        try {
            vm.restarts.strategy(vm.readSpec(store.spec(name)).runStrategy());
        } catch (IOException | RuntimeException e) {
            // a spec that no longer reads is reported when the VM is started; nothing restarts it
        }
        if (r != null && r.qemuPid() != null) {
            vm.ephemeral = r.ephemeral().stream().map(Path::of).toList();
            if (r.slots() != null) {
                vm.hotplug = new HotplugVolumes(name, r.slots(), r.hotplugged());
                vm.media = new Media(name, r.media(), r.mediaFdsets());
                vm.planNodes = r.planNodes();
            }
            vm.adopt(r.qemuPid());
        }
        return vm;
    }

    String name() {
        return name;
    }

    VmEvent status() {
        return status;
    }

    /** The running QEMU's pid, or -1. */
    long qemuPid() {
        VmSession s = session;
        return s != null && !s.status().state().terminal() ? s.qemuPid() : -1;
    }

    CompletableFuture<VmEvent> start() {
        return submit(this::doStart);
    }

    /** Stops the VM; without a grace period given, with the spec's own ({@link #ownGrace()}). */
    CompletableFuture<VmEvent> stop(Optional<Duration> grace) {
        return submit(() -> doStop(grace));
    }

    CompletableFuture<VmEvent> restart(Optional<Duration> grace) {
        return submit(() -> {
            doStop(grace);
            return doStart();
        });
    }

    CompletableFuture<VmEvent> pause() {
        return submit(() -> {
            running("pause").pause();
            return awaitState(VmState.PAUSED);
        });
    }

    CompletableFuture<VmEvent> resume() {
        return submit(() -> {
            running("resume").resume();
            return awaitState(VmState.RUNNING);
        });
    }

    /**
     * Stops the VM if it runs, then forgets it. What its spec points at stays, except the claims of
     * its {@code dataVolumeTemplates} and its persistent EFI variable store: the VM owns those, and
     * KubeVirt deletes them with it (never when it merely stops).
     */
    CompletableFuture<VmEvent> delete(Optional<Duration> grace) {
        return submit(() -> {
            VmEvent end = doStop(grace);
            try {
                for (Path claim : OwnedDataVolumes.delete(store.spec(name), host.config().claims())) {
                    events.accept(new VmEvent(Instant.now(), name, end.state(), "DataVolumeDeleted",
                            "claim " + claim + " of dataVolumeTemplate " + claim.getFileName()));
                }
                runDirectory().remove();
                store.delete(name);
            } catch (IOException e) {
                throw new UncheckedIOException("VM \"" + name + "\": cannot remove its files: " + e.getMessage(), e);
            }
            ops.deleted();
            return end;
        });
    }

    /** Hotplugs a claim into the running VM; answers once the device is added. */
    CompletableFuture<VmEvent> addVolume(VolumeRequest request) {
        return submit(() -> {
            VmSession s = running("add a volume to");
            try {
                HotplugVolumes h = hotplug;
                h.add(request, store.spec(name), host, s.qmp()).ifPresent(this::saveSpec);
                return volumeEvent("VolumeAdded", "volume " + request.volumeName() + " on " + request.bus()
                        + (request.persist() ? ", persisted in the spec" : ""));
            } catch (IOException e) {
                throw new UncheckedIOException("VM \"" + name + "\": " + e.getMessage(), e);
            }
        });
    }

    /** Unplugs a hotplugged volume; answers once the guest released it and its nodes are gone. */
    CompletableFuture<VmEvent> removeVolume(String volume) {
        return submit(() -> {
            VmSession s = running("remove a volume from");
            try {
                hotplug.remove(volume, store.spec(name), s.qmp()).ifPresent(this::saveSpec);
                return volumeEvent("VolumeRemoved", "volume " + volume);
            } catch (IOException e) {
                throw new UncheckedIOException("VM \"" + name + "\": " + e.getMessage(), e);
            }
        });
    }

    /** Takes the medium out of CD-ROM {@code disk}; the drive stays, empty, tray closed. */
    CompletableFuture<VmEvent> eject(String disk) {
        return submit(() -> {
            media().eject(disk, running("eject a medium of").qmp());
            return volumeEvent("MediumEjected", "CD-ROM " + disk + " is empty");
        });
    }

    /** Puts the image at {@code path} (a host file, raw or ISO or qcow2) into CD-ROM {@code disk}, replacing its medium. */
    CompletableFuture<VmEvent> insert(String disk, Path path) {
        return submit(() -> {
            VmSession s = running("insert a medium into");
            try {
                media().insert(disk, path, hotplug.effectiveSpec(store.spec(name)), host, s.qmp());
            } catch (IOException e) {
                throw new UncheckedIOException("VM \"" + name + "\": " + e.getMessage(), e);
            }
            return volumeEvent("MediumInserted", "CD-ROM " + disk + " holds " + path);
        });
    }

    /**
     * With the host's expandDisks switch on, {@link ClaimExpansion} on the VM's operation thread;
     * a VM that does not run is left alone.
     */
    CompletableFuture<VmEvent> expandClaims() {
        return submit(() -> {
            VmSession s = session;
            if (host.config().expandDisks() && s != null && s.status().state() == VmState.RUNNING) {
                ClaimExpansion.expand(s.qmp(), host.config().claims()).forEach(grown -> volumeEvent("VolumeExpanded", grown));
            }
            return status;
        });
    }

    private Media media() {
        Media m = media;
        if (m == null) {
            throw new VmmException(VmmException.Kind.VM_STATE_CONFLICT, name, "VM \"" + name + "\" is not running");
        }
        return m;
    }

    private void saveSpec(String yaml) {
        try {
            store.saveSpec(name, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("VM \"" + name + "\": cannot store its spec: " + e.getMessage(), e);
        }
    }

    /** Saves the hotplug state and tells the event stream; the VM's state itself does not change. */
    private VmEvent volumeEvent(String reason, String message) {
        VmEvent now = status;
        save(now, qemuPid());
        VmEvent e = new VmEvent(Instant.now(), name, now.state(), reason, message);
        events.accept(e);
        return e;
    }

    /**
     * Runs one QMP command on the VM's monitor and answers QEMU's return value (the API's guarded
     * passthrough). Not serialised with the VM's operations: it is for looking, and for what qvmm
     * does not do itself.
     */
    CompletableFuture<com.fasterxml.jackson.databind.JsonNode> qmp(String command, com.fasterxml.jackson.databind.JsonNode arguments) {
        return running("send QMP to").qmp().execute(command, arguments == null || arguments.isNull() ? null : arguments);
    }

    /** The volumes hotplugged into the running VM. */
    List<HotplugVolume> hotplugged() {
        HotplugVolumes h = hotplug;
        return h == null ? List.of() : h.volumes();
    }

    /** Lets go of QEMU's monitor without touching the guest (the daemon is going away). */
    void detach() {
        ops.close();
    }

    private CompletableFuture<VmEvent> submit(Supplier<VmEvent> op) {
        return ops.submit(op);
    }

    private VmSession running(String op) {
        VmSession s = session;
        if (s == null || s.status().state().terminal()) {
            throw new VmmException(VmmException.Kind.VM_STATE_CONFLICT, name, "VM \"" + name + "\" is not running; cannot " + op + " it");
        }
        return s;
    }

    /** Waits (bounded) for QEMU's event to move the VM to {@code state}. */
    private VmEvent awaitState(VmState state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (this) {
            while (status.state() != state && !status.state().terminal() && System.nanoTime() < deadline) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return status;
    }

    private VmEvent doStart() {
        VmSession s = session;
        if (s != null && !s.status().state().terminal()) {
            throw new VmmException(VmmException.Kind.VM_STATE_CONFLICT, name, "VM \"" + name + "\" is already " + s.status().state().phase());
        }
        restarts.starting();
        RunDirectory leftover = runDirectory();
        try {
            // A run directory of an earlier, ended run holds only its logs: the new run replaces it.
            leftover.remove();
            VmSpec spec = readSpec(store.spec(name));
            restarts.strategy(spec.runStrategy());
            StoragePlan plan = HostPlanning.plan(spec, host.config(), host.stateDir(), host.accelerator(), host.qemuBinary());
            RunDirectory run = RunDirectory.create(host.stateDir(), name);
            List<String> argv = ArgvRenderer.argv(plan);
            Files.write(run.file("plan.args"), argv);
            PortForwards.save(run.file(PortForwards.FILE), plan.forwards());
            prepared = preparer().prepare(plan.artifacts());
            plan.kernel().ifPresent(StoragePlan.KernelPlan::requireInsideImage);
            ephemeral = prepared.ephemeral();
            hotplug = new HotplugVolumes(name, HotplugSlots.of(plan), List.of());
            java.util.Map<String, List<String>> drives = Media.of(plan);
            media = new Media(name, drives, java.util.Map.of());
            planNodes = plan.disks().stream().filter(d -> !drives.containsKey(d.name()))
                    .flatMap(d -> d.nodes().stream()).map(n -> n.nodeName().value()).toList();
            VmSession started = VmSession.launch(new LaunchSpec(name, argv, false, host.startTimeout(), host.qemuUser()), run, this::onEvent);
            session = started;
            prepared.companions().forEach(c -> c.qemuStarted(started.qemuPid()));
            superviseFilesystems(started, spec);
            save(started.status(), started.qemuPid());
            return started.status();
        } catch (IOException e) {
            cleanUp(false);
            throw new UncheckedIOException("VM \"" + name + "\": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            cleanUp(false);
            throw e;
        }
    }

    private VmEvent doStop(Optional<Duration> grace) {
        restarts.stopping();
        VmSession s = session;
        if (s == null || s.status().state().terminal()) {
            if (status.reason().equals(Restarts.RESTARTING)) {
                onEvent(new VmEvent(Instant.now(), name, VmState.SUCCEEDED, "Stopped", "the restart that was due is cancelled"));
            }
            return status;
        }
        return s.stop(grace.orElseGet(this::ownGrace));
    }

    /**
     * The stored spec's terminationGracePeriodSeconds, as {@code qvmm run} honours it; 30 s when
     * it has none (KubeVirt's default) or no longer reads (it read when the VM was created).
     */
    private Duration ownGrace() {
        try {
            VmSpec spec = readSpec(store.spec(name));
            return Duration.ofSeconds(spec.terminationGracePeriodSeconds().orElse(DEFAULT_GRACE.toSeconds()));
        } catch (IOException | RuntimeException e) {
            return DEFAULT_GRACE;
        }
    }

    /** A start its run strategy asked for (on the VM's thread, once the wait is over). */
    private void restart() {
        try {
            doStart();
        } catch (RuntimeException e) {
            // a QEMU that failed to start has ended the run already (and made the next try due)
            if (!status.state().terminal()) {
                onEvent(new VmEvent(Instant.now(), name, VmState.FAILED, "RestartFailed", e.getMessage()));
            }
        }
    }

    private void adopt(long pid) {
        RunDirectory run = runDirectory();
        List<String> argv;
        try {
            argv = Files.readAllLines(run.file("plan.args"));
        } catch (IOException e) {
            argv = List.of("qemu");
        }
        VmSession adopted = VmSession.adopt(new LaunchSpec(name, argv, false, host.startTimeout(), host.qemuUser()), run, pid, this::onEvent).orElse(null);
        if (adopted == null) {
            onEvent(new VmEvent(Instant.now(), name, VmState.FAILED, "QemuExited",
                    "QEMU pid " + pid + " was gone when the daemon started"));
            return;
        }
        session = adopted;
        HotplugVolumes h = hotplug != null ? hotplug : new HotplugVolumes(name, new HotplugSlots(List.of(), null, List.of()), List.of());
        Media m = media != null ? media : new Media(name, java.util.Map.of(), java.util.Map.of());
        try {
            graphNote = LiveGraph.check(adopted.qmp(), planNodes, m, h).summary();
        } catch (RuntimeException e) {
            graphNote = "the block graph could not be read: " + e.getMessage();
        }
        graphNote += resumeCompanions(adopted);
        volumeEvent("GraphChecked", graphNote);
    }

    /**
     * Starts again what served the VM besides QEMU (the downwardMetrics writer and port), planned
     * from the spec as it runs; returns a note for the adoption line, "" when there is none.
     */
    private String resumeCompanions(VmSession adopted) {
        List<String> notResumed = new java.util.ArrayList<>();
        try {
            String running = hotplug != null ? hotplug.effectiveSpec(store.spec(name)) : store.spec(name);
            VmSpec spec = readSpec(running);
            StoragePlan plan = HostPlanning.plan(spec, host.config(), host.stateDir(), host.accelerator(), host.qemuBinary());
            prepared = preparer().resume(plan.artifacts(), notResumed);
            prepared.companions().forEach(c -> c.qemuStarted(adopted.qemuPid()));
            superviseFilesystems(adopted, spec);
            String resumed = prepared.companions().isEmpty() ? "" : "; resumed " + prepared.companions().size() + " companions";
            return resumed + (notResumed.isEmpty() ? "" : "; could not take over " + notResumed);
        } catch (IOException | RuntimeException e) {
            return "; companions not resumed: " + e.getMessage();
        }
    }

    /** virtiofsd daemons live on their own here: they serve their QEMU across restarts of the daemon. */
    private ArtifactPreparer preparer() {
        return new ArtifactPreparer(QemuImg.onPath(), ImportProgress.NONE).virtiofsd(host.config().virtiofsd(), host.config().virtiofsdUser())
                .detachedDaemons();
    }

    /** A virtiofsd exiting while the VM runs: FilesystemFailed and the VM's policy, as with qvmm run. */
    private void superviseFilesystems(VmSession s, VmSpec spec) {
        Duration grace = Duration.ofSeconds(spec.terminationGracePeriodSeconds().orElse(DEFAULT_GRACE.toSeconds()));
        s.supervise(prepared.companions().stream().filter(c -> c instanceof dev.qvmm.vmm.launch.VirtiofsdCompanion).toList(),
                spec.filesystemFailurePolicy(), grace);
    }

    /** What the block graph check of an adoption found ("" for a VM this daemon started). */
    String graphNote() {
        return graphNote;
    }

    /** Every lifecycle change: remembered, saved, published; at the end the run's own files go. */
    private void onEvent(VmEvent e) {
        synchronized (this) {
            status = e;
            notifyAll();
        }
        if (e.state().terminal()) {
            cleanUp(e.state() == VmState.SUCCEEDED);
        }
        VmSession s = session;
        save(e, s != null && !e.state().terminal() && e.state() != VmState.STARTING ? s.qemuPid() : null);
        events.accept(e);
        if (e.state().terminal()) {
            restarts.after(e, ops.thread(), this::onEvent, this::restart);
        }
    }

    /** Ephemeral artifacts always go; the run directory goes after a clean end and stays (logs) after a failure. */
    private void cleanUp(boolean succeeded) {
        ArtifactPreparer.Prepared p = prepared;
        if (p != null) {
            p.closeCompanions();
        }
        RunFiles.deleteQuietly(ephemeral.reversed());
        ephemeral = List.of();
        prepared = null;
        HotplugVolumes h = hotplug;
        if (h != null) {
            h.volumes().forEach(v -> RunFiles.deleteQuietly(v.ephemeral().stream().map(Path::of).toList()));
        }
        hotplug = null;
        media = null;
        RunFiles.ended(runDirectory(), succeeded);
    }

    private void save(VmEvent e, Long pid) {
        try {
            HotplugVolumes h = pid == null ? null : hotplug;
            Media m = pid == null ? null : media;
            store.saveRecord(new VmRecord(name, e.time().toString(), e.state().name(), e.reason(), e.message(), pid,
                    pid == null ? List.of() : ephemeral.stream().map(Path::toString).toList(),
                    h == null ? null : h.slots(), h == null ? List.of() : h.volumes(), m == null ? null : m.drives(),
                    pid == null ? List.of() : planNodes, m == null ? null : m.fdsets()));
        } catch (IOException ex) {
            System.err.println("qvmm daemon: cannot save the state of VM " + name + ": " + ex.getMessage());
        }
    }

    private VmSpec readSpec(String yaml) throws IOException {
        return SpecReader.read(yaml, name, new SpecContext(host.config().persistentReservation())).spec();
    }

    /** The VM's run directory: its sockets, logs and the files of its current run. */
    RunDirectory runDirectory() {
        return RunDirectory.of(host.stateDir(), name);
    }
}
