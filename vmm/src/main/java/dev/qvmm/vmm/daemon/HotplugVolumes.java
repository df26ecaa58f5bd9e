package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.PciAddress;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.blockdev.VirtioScsiPci;
import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.QmpEvent;
import dev.qvmm.qmp.command.BlockdevDel;
import dev.qvmm.qmp.command.DeviceDel;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.storage.ArtifactPreparer;
import dev.qvmm.vmm.storage.HostPlanning;
import dev.qvmm.vmm.storage.HotplugSlot;
import dev.qvmm.vmm.storage.ImportProgress;
import dev.qvmm.vmm.storage.StoragePlanner;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Volumes added to and removed from one running VM ({@code addvolume}/{@code removevolume}).
 * Add: plan the disk as at start, prepare its files, {@code blockdev-add} bottom-up, then
 * {@code device_add} on a spare root port (virtio) or the SCSI controller; any failure removes
 * every node added so far. Remove: {@code device_del}, wait for the guest to release it
 * (DEVICE_DELETED), then {@code blockdev-del} top-down. Not thread-safe: the VM's operation
 * thread calls it.
 */
final class HotplugVolumes {

    /** How long the guest has to release a device after device_del. */
    static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);
    static final String HOTPLUG_SCSI = "scsi-hp";

    private final String vm;
    private HotplugSlots slots;
    private final List<HotplugVolume> volumes;

    HotplugVolumes(String vm, HotplugSlots slots, List<HotplugVolume> volumes) {
        this.vm = vm;
        this.slots = slots;
        this.volumes = new ArrayList<>(volumes);
    }

    HotplugSlots slots() {
        return slots;
    }

    List<HotplugVolume> volumes() {
        return List.copyOf(volumes);
    }

    /** Drops a volume whose device QEMU no longer has (its unplug finished but was not recorded). */
    void forget(HotplugVolume v) {
        volumes.remove(v);
        List<String> ports = new ArrayList<>(slots.sparePorts());
        if (v.port() != null) {
            ports.add(v.port());
        }
        List<Integer> luns = new ArrayList<>(slots.usedLuns());
        luns.remove(v.lun());
        slots = new HotplugSlots(ports, slots.scsiController(), luns);
    }

    /** The stored spec with every hotplugged volume in it: what the running VM has. */
    String effectiveSpec(String stored) {
        String yaml = stored;
        for (HotplugVolume v : volumes) {
            if (!v.request().persist()) {
                yaml = SpecEdit.withVolume(yaml, v.disk(), v.volume());
            }
        }
        return yaml;
    }

    /**
     * Adds the volume; returns the spec to store when it persists (else empty). A retry of an add
     * that already happened answers as the first one did.
     */
    Optional<String> add(VolumeRequest r, String storedSpec, DaemonHost host, QmpClient qmp) throws IOException {
        for (HotplugVolume v : volumes) {
            if (v.name().equals(r.volumeName())) {
                if (v.request().equals(r)) {
                    return Optional.empty();
                }
                throw new VmmException(VmmException.Kind.VM_STATE_CONFLICT, r.volumeName(), "VM \"" + vm + "\": volume \""
                        + r.volumeName() + "\" is already attached with other settings; removevolume it first");
            }
        }
        if (!r.diskType().equals("disk") && !r.diskType().equals("lun")) {
            throw invalid(r, "--disk-type \"" + r.diskType() + "\" is not disk or lun");
        }
        if (!r.bus().equals("scsi") && !r.bus().equals("virtio")) {
            throw invalid(r, "--bus \"" + r.bus() + "\" is not scsi or virtio (only those can be hotplugged)");
        }
        ObjectNode disk = QmpJson.mapper().createObjectNode().put("name", r.volumeName()).put("serial", r.serial());
        disk.putObject(r.diskType()).put("bus", r.bus());
        if (r.cache() != null) {
            disk.put("cache", r.cache());
        }
        ObjectNode volume = QmpJson.mapper().createObjectNode().put("name", r.volumeName());
        volume.putObject("persistentVolumeClaim").put("claimName", r.volumeName()).put("hotpluggable", true);
        String withIt = SpecEdit.withVolume(effectiveSpec(storedSpec), disk, volume);
        VmSpec spec = SpecReader.read(withIt, "addvolume " + r.volumeName(), new SpecContext(host.config().persistentReservation())).spec();

        List<Runnable> undo = new ArrayList<>();
        HotplugSlots before = slots;
        boolean done = false;
        try {
            String port = null;
            Integer lun = null;
            String addedController = null;
            HotplugSlot slot;
            if (r.bus().equals("virtio")) {
                port = takePort(r);
                slot = new HotplugSlot.RootPort(port);
            } else {
                String controller = slots.scsiController();
                if (controller == null) {
                    // KubeVirt's VMs always carry a SCSI controller; a qvmm plan has one only for SCSI disks,
                    // so the first SCSI hotplug brings its own on a spare port (it stays for later ones).
                    String p = takePort(r);
                    VirtioScsiPci scsi = new VirtioScsiPci(HOTPLUG_SCSI, PciAddress.onPort(p), Optional.empty(), OptionalInt.empty());
                    QmpCalls.join(qmp.execute(scsi.deviceAdd()));
                    addedController = p;
                    controller = HOTPLUG_SCSI;
                    slots = new HotplugSlots(slots.sparePorts(), controller, slots.usedLuns());
                    before = slots;
                }
                lun = nextLun();
                slot = new HotplugSlot.ScsiLun(controller, lun);
            }
            StoragePlanner.Hotplug plan = HostPlanning.planHotplug(spec, r.volumeName(), host.config(), host.stateDir(),
                    host.accelerator(), host.qemuBinary(), slot);
            ArtifactPreparer.Prepared prepared = new ArtifactPreparer(QemuImg.onPath(), ImportProgress.NONE).prepare(plan.artifacts());
            undo.add(() -> {
                try {
                    prepared.removeEphemeral();
                } catch (IOException ignored) {
                    // the run's own file; removed again at VM end
                }
            });
            List<BlockNode> planned = plan.disk().nodes();
            List<Integer> fdsets = List.of();
            if (host.qemuUser().isPresent()) {
                FdSets.Passed passed = FdSets.pass(planned, qmp);
                planned = passed.nodes();
                fdsets = passed.fdsets();
                List<Integer> sets = fdsets;
                undo.add(() -> FdSets.release(sets, qmp));
            }
            List<String> nodes = new ArrayList<>();
            for (BlockNode n : planned) {
                QmpCalls.join(qmp.execute(n.blockdevAdd()));
                nodes.add(n.nodeName().value());
                undo.add(() -> tryDel(qmp, n.nodeName().value()));
            }
            QmpCalls.join(qmp.execute(plan.disk().device().deviceAdd()));
            volumes.add(new HotplugVolume(r, disk, volume, plan.disk().device().id(), nodes, port, lun, addedController,
                    prepared.ephemeral().stream().map(Path::toString).toList(), fdsets));
            if (lun != null) {
                List<Integer> luns = new ArrayList<>(slots.usedLuns());
                luns.add(lun);
                slots = new HotplugSlots(slots.sparePorts(), slots.scsiController(), luns);
            }
            done = true;
            return r.persist() ? Optional.of(SpecEdit.withVolume(storedSpec, disk, volume)) : Optional.empty();
        } finally {
            if (!done) {
                for (Runnable u : undo.reversed()) {
                    u.run();
                }
                slots = before; // the disk's port or LUN is free again (a SCSI controller added on the way stays)
            }
        }
    }

    /**
     * Removes a hotplugged volume; returns the spec to store when it had persisted. Waits for
     * the guest to release the device, up to {@link #RELEASE_TIMEOUT}.
     */
    Optional<String> remove(String name, String storedSpec, QmpClient qmp) {
        HotplugVolume v = volumes.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                SpecEdit.hasDisk(storedSpec, name)
                        ? new VmmException(VmmException.Kind.VM_STATE_CONFLICT, name, "VM \"" + vm + "\": volume \"" + name
                        + "\" was not hotplugged; only volumes added with addvolume can be removed while the VM runs")
                        : new VmmException(VmmException.Kind.VM_NOT_FOUND, name, "VM \"" + vm + "\" has no volume \"" + name + "\""));
        CompletableFuture<QmpEvent> released = qmp.awaitEvent("DEVICE_DELETED",
                e -> v.deviceId().equals(e.data().path("device").asText()), RELEASE_TIMEOUT);
        QmpCalls.join(qmp.execute(new DeviceDel(v.deviceId())));
        try {
            released.get(RELEASE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new VmmException(VmmException.Kind.QEMU_COMMAND_FAILED, name, "VM \"" + vm + "\": the guest did not release volume \""
                    + name + "\" within " + RELEASE_TIMEOUT.toSeconds() + " s (is it mounted or in use?); it is still attached, "
                    + "removevolume again once the guest lets go", List.of(), e);
        }
        for (String node : v.nodes().reversed()) {
            QmpCalls.join(qmp.execute(new BlockdevDel(node)));
        }
        FdSets.release(v.fdsets(), qmp);
        RunFiles.deleteQuietly(v.ephemeral().reversed().stream().map(Path::of).toList());
        forget(v);
        return v.request().persist() ? Optional.of(SpecEdit.withoutVolume(storedSpec, name)) : Optional.empty();
    }

    private String takePort(VolumeRequest r) {
        if (slots.sparePorts().isEmpty()) {
            throw new VmmException(VmmException.Kind.LAYOUT_EXHAUSTED, r.volumeName(), "VM \"" + vm + "\" has no spare pcie-root-port left for volume \""
                    + r.volumeName() + "\": plan more with the host config's spareRootPorts (or --spare-root-ports) and restart the VM, "
                    + "or add it on an existing SCSI controller (--bus scsi)");
        }
        String port = slots.sparePorts().getFirst();
        slots = new HotplugSlots(slots.sparePorts().subList(1, slots.sparePorts().size()), slots.scsiController(), slots.usedLuns());
        return port;
    }

    private int nextLun() {
        int lun = 0;
        while (slots.usedLuns().contains(lun)) {
            lun++;
        }
        return lun;
    }

    private VmmException invalid(VolumeRequest r, String why) {
        return new VmmException(VmmException.Kind.SPEC_INVALID, r.volumeName(), "addvolume " + r.volumeName() + ": " + why);
    }

    private static void tryDel(QmpClient qmp, String node) {
        try {
            qmp.execute(new BlockdevDel(node)).get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the node was not added, or QEMU is gone
        }
    }
}
