package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.IdeCd;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.blockdev.ScsiCd;
import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.command.BlockdevCloseTray;
import dev.qvmm.qmp.command.BlockdevDel;
import dev.qvmm.qmp.command.BlockdevInsertMedium;
import dev.qvmm.qmp.command.BlockdevOpenTray;
import dev.qvmm.qmp.command.BlockdevRemoveMedium;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.storage.ArtifactPreparer;
import dev.qvmm.vmm.storage.DiskPlan;
import dev.qvmm.vmm.storage.HostPlanning;
import dev.qvmm.vmm.storage.ImportProgress;
import dev.qvmm.vmm.storage.StoragePlan;
import dev.qvmm.vmm.storage.StoragePlanner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The media in a running VM's CD-ROM drives ({@code eject}/{@code insert}): which nodes hold each
 * drive's medium, so an eject can delete them. Eject: open the tray (forced), remove the medium,
 * delete its nodes, close the tray. Insert: eject what is there, add the new medium's nodes
 * (planned like a {@code hostDisk} of type Disk), put it in, close the tray. A change lasts until
 * the VM stops; the stored spec keeps the original medium. Not thread-safe: the VM's operation
 * thread calls it.
 */
final class Media {

    private final String vm;
    private final Map<String, List<String>> drives;
    /** The fd sets each drive's medium was passed in (QEMU as another user), kept across daemon restarts. */
    private final Map<String, List<Integer>> fdsets;

    Media(String vm, Map<String, List<String>> drives, Map<String, List<Integer>> fdsets) {
        this.vm = vm;
        this.drives = new LinkedHashMap<>(drives);
        this.fdsets = new java.util.HashMap<>(fdsets);
    }

    /** The CD-ROM drives of a plan and the nodes of their media. */
    static Map<String, List<String>> of(StoragePlan plan) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (DiskPlan d : plan.disks()) {
            if (d.device() instanceof IdeCd || d.device() instanceof ScsiCd) {
                m.put(d.name(), d.nodes().stream().map(n -> n.nodeName().value()).toList());
            }
        }
        return m;
    }

    Map<String, List<String>> drives() {
        return Map.copyOf(drives);
    }

    Map<String, List<Integer>> fdsets() {
        return Map.copyOf(fdsets);
    }

    void eject(String disk, QmpClient qmp) {
        String id = deviceId(disk);
        List<String> nodes = drives.get(disk);
        QmpCalls.join(qmp.execute(new BlockdevOpenTray(id, true)));
        if (!nodes.isEmpty()) {
            QmpCalls.join(qmp.execute(new BlockdevRemoveMedium(id)));
            for (String n : nodes.reversed()) {
                QmpCalls.join(qmp.execute(new BlockdevDel(n)));
            }
            drives.put(disk, List.of());
            FdSets.release(fdsets.getOrDefault(disk, List.of()), qmp);
            fdsets.remove(disk);
        }
        QmpCalls.join(qmp.execute(new BlockdevCloseTray(id)));
    }

    void insert(String disk, Path image, String effectiveSpec, DaemonHost host, QmpClient qmp) throws IOException {
        deviceId(disk);
        if (!image.isAbsolute()) {
            throw new VmmException(VmmException.Kind.SPEC_INVALID, disk, "insert into " + disk + ": " + image + " is relative; give an absolute path");
        }
        ObjectNode volume = QmpJson.mapper().createObjectNode().put("name", disk);
        volume.putObject("hostDisk").put("path", image.toString()).put("type", "Disk");
        VmSpec spec = SpecReader.read(SpecEdit.withVolumeReplaced(effectiveSpec, volume), "insert " + image,
                new SpecContext(host.config().persistentReservation())).spec();
        StoragePlanner.Medium medium = HostPlanning.planMedium(spec, disk, host.config(), host.stateDir(), host.accelerator(), host.qemuBinary());
        new ArtifactPreparer(QemuImg.onPath(), ImportProgress.NONE).prepare(medium.artifacts());
        eject(disk, qmp);
        List<String> added = new ArrayList<>();
        List<BlockNode> nodes = medium.nodes();
        List<Integer> fdsets = List.of();
        if (host.qemuUser().isPresent()) {
            FdSets.Passed passed = FdSets.pass(nodes, qmp);
            nodes = passed.nodes();
            fdsets = passed.fdsets();
        }
        try {
            for (BlockNode n : nodes) {
                QmpCalls.join(qmp.execute(n.blockdevAdd()));
                added.add(n.nodeName().value());
            }
            String id = deviceId(disk);
            QmpCalls.join(qmp.execute(new BlockdevOpenTray(id, true)));
            QmpCalls.join(qmp.execute(new BlockdevInsertMedium(id, medium.top().value())));
            QmpCalls.join(qmp.execute(new BlockdevCloseTray(id)));
            drives.put(disk, added);
            this.fdsets.put(disk, fdsets);
        } catch (RuntimeException e) {
            for (String n : added.reversed()) {
                qmp.execute(new BlockdevDel(n)).exceptionally(t -> null).join();
            }
            FdSets.release(fdsets, qmp);
            throw e;
        }
    }

    private String deviceId(String disk) {
        if (!drives.containsKey(disk)) {
            throw new VmmException(VmmException.Kind.VM_NOT_FOUND, disk, "VM \"" + vm + "\" has no CD-ROM \"" + disk + "\""
                    + (drives.isEmpty() ? "" : "; its CD-ROMs: " + String.join(", ", drives.keySet())));
        }
        return NodeName.derive("ua", disk).value();
    }
}
