package dev.qvmm.vmm.daemon;

import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.command.BlockDeviceInfo;
import dev.qvmm.qmp.command.BlockdevDel;
import dev.qvmm.qmp.command.ObjectPropertyInfo;
import dev.qvmm.qmp.command.QomList;
import dev.qvmm.qmp.command.QueryNamedBlockNodes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An adopted VM's block graph as QEMU has it ({@code query-named-block-nodes},
 * {@code qom-list /machine/peripheral}), checked against what the daemon saved: hotplugged
 * volumes whose device is gone (an unplug the old daemon finished but did not record) are
 * forgotten, named nodes nobody expects (an add the old daemon did not finish) are deleted, and
 * what is missing is reported.
 */
final class LiveGraph {

    /** What the check found and did, for the Adopted event. */
    record Check(int nodes, List<String> missing, List<String> removedLeftovers, List<String> forgottenVolumes) {
        String summary() {
            if (missing.isEmpty() && removedLeftovers.isEmpty() && forgottenVolumes.isEmpty()) {
                return "block graph as saved (" + nodes + " nodes)";
            }
            return "block graph differed from the saved one: " + (missing.isEmpty() ? "" : "missing " + missing + "; ")
                    + (removedLeftovers.isEmpty() ? "" : "deleted unfinished nodes " + removedLeftovers + "; ")
                    + (forgottenVolumes.isEmpty() ? "" : "forgot unplugged volumes " + forgottenVolumes);
        }
    }

    private LiveGraph() {
    }

    static Check check(QmpClient qmp, List<String> planNodes, Media media, HotplugVolumes hotplug) {
        Set<String> devices = new LinkedHashSet<>();
        for (ObjectPropertyInfo p : QmpCalls.join(qmp.execute(new QomList("/machine/peripheral")))) {
            if (p.type().startsWith("child<")) {
                devices.add(p.name());
            }
        }
        List<String> forgotten = new ArrayList<>();
        for (HotplugVolume v : hotplug.volumes()) {
            if (!devices.contains(v.deviceId())) {
                hotplug.forget(v);
                forgotten.add(v.name());
            }
        }
        Set<String> expected = new LinkedHashSet<>(planNodes);
        media.drives().values().forEach(expected::addAll);
        hotplug.volumes().forEach(v -> expected.addAll(v.nodes()));
        Set<String> live = new LinkedHashSet<>();
        for (BlockDeviceInfo n : QmpCalls.join(qmp.execute(new QueryNamedBlockNodes(true)))) {
            if (n.nodeName() != null && !n.nodeName().startsWith("#")) {
                live.add(n.nodeName());
            }
        }
        List<String> missing = expected.stream().filter(n -> !live.contains(n)).toList();
        List<String> leftovers = new ArrayList<>();
        for (String n : live.stream().filter(n -> !expected.contains(n)).toList().reversed()) {
            // Only a node nothing uses can be deleted: one still attached stays, and is reported as is.
            if (qmp.execute(new BlockdevDel(n)).handle((r, t) -> t == null).join()) {
                leftovers.add(n);
            }
        }
        return new Check(live.size(), missing, leftovers, forgotten);
    }
}
