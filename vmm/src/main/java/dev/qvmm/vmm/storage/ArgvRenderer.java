package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.Device;
import dev.qvmm.blockdev.Json;
import dev.qvmm.blockdev.QemuObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link StoragePlan} as QEMU's argv, one argument per element: machine (with the firmware's
 * flash nodes, globals and SMBIOS table right after it) and CPU first, then
 * {@code -object}s, root ports and controllers, each disk's {@code -blockdev}s (bottom-up) and
 * {@code -device}, virtiofs chardevs and devices, kernel boot. Objects, nodes and devices are the
 * same JSON QMP would take. The QMP monitor, {@code -S} and the run directory's pid file belong to
 * launching, not to the plan.
 */
public final class ArgvRenderer {

    private ArgvRenderer() {
    }

    public static List<String> argv(StoragePlan plan) {
        List<String> a = new ArrayList<>();
        a.add(plan.qemu().binary());
        a.add("-name");
        a.add("guest=" + plan.vmName() + ",debug-threads=on");
        a.add("-machine");
        a.add(String.join(",", java.util.stream.Stream.concat(java.util.stream.Stream.of(plan.machineType()),
                plan.firmware().machineOptions().stream()).toList()));
        for (BlockNode n : plan.firmware().flash()) {
            a.add("-blockdev");
            a.add(Json.compact(n.toJson()));
        }
        for (String g : plan.firmware().globals()) {
            a.add("-global");
            a.add(g);
        }
        plan.firmware().smbios().ifPresent(s -> {
            a.add("-smbios");
            a.add(s);
        });
        a.add("-accel");
        a.add(plan.accelerator().qemu());
        a.add("-cpu");
        a.add(plan.accelerator().cpuModel());
        a.add("-m");
        a.add(plan.memoryMiB() + "M");
        a.add("-smp");
        a.add(plan.cpu().vcpus() + ",sockets=" + plan.cpu().sockets() + ",cores=" + plan.cpu().cores()
                + ",threads=" + plan.cpu().threads());
        a.add("-nodefaults");
        a.add("-no-user-config");
        a.add("-display");
        a.add("none");
        for (QemuObject o : plan.objects()) {
            a.add("-object");
            a.add(Json.compact(o.toJson()));
        }
        if (!plan.filesystems().isEmpty()) {
            a.add("-numa");
            a.add("node,memdev=" + plan.objects().stream().filter(o -> o instanceof QemuObject.MemoryBackendMemfd)
                    .findFirst().orElseThrow().id());
        }
        for (Device d : plan.controllers()) {
            a.add("-device");
            a.add(Json.compact(d.toJson()));
        }
        for (DiskPlan d : plan.disks()) {
            for (BlockNode n : d.nodes()) {
                a.add("-blockdev");
                a.add(Json.compact(n.toJson()));
            }
            a.add("-device");
            a.add(Json.compact(d.device().toJson()));
        }
        for (StoragePlan.FilesystemPlan f : plan.filesystems()) {
            a.add("-chardev");
            a.add("socket,id=" + f.chardev() + ",path=" + f.socket());
            a.add("-device");
            a.add(Json.compact(f.device().toJson()));
        }
        plan.downwardMetricsPort().ifPresent(m -> {
            a.add("-device");
            a.add(Json.compact(m.controller().toJson()));
            // qvmm listens; QEMU connects at start and again within a second should qvmm drop it.
            a.add("-chardev");
            a.add("socket,id=" + m.chardev() + ",path=" + m.socket() + ",reconnect=1");
            a.add("-device");
            a.add(Json.compact(m.port().toJson()));
        });
        for (StoragePlan.NicPlan n : plan.nics()) {
            a.add("-netdev");
            a.add(n.netdev());
            a.add("-device");
            a.add(Json.compact(n.device().toJson()));
        }
        plan.kernel().ifPresent(k -> {
            k.kernel().ifPresent(p -> {
                a.add("-kernel");
                a.add(p.toString());
            });
            k.initrd().ifPresent(p -> {
                a.add("-initrd");
                a.add(p.toString());
            });
            k.append().ifPresent(s -> {
                a.add("-append");
                a.add(s);
            });
        });
        return a;
    }
}
