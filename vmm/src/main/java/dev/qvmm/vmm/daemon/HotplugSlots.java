package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.blockdev.Device;
import dev.qvmm.blockdev.PcieRootPort;
import dev.qvmm.blockdev.VirtioScsiPci;
import dev.qvmm.vmm.storage.DiskPlan;
import dev.qvmm.vmm.storage.StoragePlan;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a running VM has left for hotplug, from its plan: the empty {@code pcie-root-port}s, the
 * virtio-scsi controller (if the plan has one) and the LUNs its disks took.
 */
record HotplugSlots(List<String> sparePorts, String scsiController, List<Integer> usedLuns) {

    HotplugSlots {
        sparePorts = List.copyOf(sparePorts);
        usedLuns = List.copyOf(usedLuns);
    }

    static HotplugSlots of(StoragePlan plan) {
        List<Device> all = new ArrayList<>(plan.controllers());
        plan.disks().forEach(d -> all.add(d.device()));
        plan.filesystems().forEach(f -> all.add(f.device()));
        plan.downwardMetricsPort().ifPresent(m -> all.add(m.controller()));
        plan.nics().forEach(n -> all.add(n.device()));
        Set<String> used = new TreeSet<>();
        for (Device d : all) {
            JsonNode bus = d.toJson().get("bus");
            if (bus != null) {
                used.add(bus.asText());
            }
        }
        List<String> spare = new ArrayList<>();
        String scsi = null;
        for (Device d : plan.controllers()) {
            if (d instanceof PcieRootPort p && !used.contains(p.id())) {
                spare.add(p.id());
            }
            if (d instanceof VirtioScsiPci s) {
                scsi = s.id();
            }
        }
        List<Integer> luns = new ArrayList<>();
        for (DiskPlan d : plan.disks()) {
            JsonNode lun = d.device().toJson().get("lun");
            if (lun != null) {
                luns.add(lun.asInt());
            }
        }
        return new HotplugSlots(spare, scsi, luns);
    }
}
