package dev.qvmm.vmm.storage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.Device;
import dev.qvmm.blockdev.Json;
import dev.qvmm.blockdev.QemuObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link StoragePlan} as one JSON document (what {@code qvmm plan --json} prints): machine,
 * iothreads with their disks and pinning, objects, controllers, disks with nodes and device,
 * filesystems, artifacts, notes and the argv. Keys are sorted; lists keep plan order.
 */
public final class PlanJson {

    private PlanJson() {
    }

    public static ObjectNode render(StoragePlan plan) {
        ObjectNode root = Json.object();
        ObjectNode machine = Json.object();
        machine.put("name", plan.vmName());
        machine.put("type", plan.machineType());
        machine.put("accelerator", plan.accelerator().qemu());
        machine.put("vcpus", plan.cpu().vcpus());
        machine.put("sockets", plan.cpu().sockets());
        machine.put("cores", plan.cpu().cores());
        machine.put("threads", plan.cpu().threads());
        machine.put("memoryMiB", plan.memoryMiB());
        machine.put("qemu", plan.qemu().version());
        root.set("machine", machine);

        ObjectNode threads = Json.object();
        IoThreadPlan t = plan.iothreads();
        threads.put("count", t.count());
        ObjectNode assignment = Json.object();
        new TreeMap<>(t.diskThreads()).forEach((disk, id) -> assignment.put(disk, IoThreadPlan.id(id)));
        threads.set("disks", assignment);
        t.scsiControllerThread().ifPresent(id -> threads.put("scsiController", IoThreadPlan.id(id)));
        ArrayNode pins = threads.putArray("pins");
        for (IoThreadPlan.Pin p : t.pins()) {
            ObjectNode pin = Json.object();
            pin.put("iothread", IoThreadPlan.id(p.iothread()));
            if (p.emulatorCpu()) {
                pin.put("cpu", "emulator");
            } else {
                ArrayNode cpus = pin.putArray("vcpus");
                p.vcpus().forEach(cpus::add);
            }
            pins.add(pin);
        }
        root.set("iothreads", threads);

        ArrayNode objects = root.putArray("objects");
        for (QemuObject o : plan.objects()) {
            objects.add(o.toJson());
        }
        ArrayNode controllers = root.putArray("controllers");
        for (Device d : plan.controllers()) {
            controllers.add(d.toJson());
        }
        ArrayNode disks = root.putArray("disks");
        for (DiskPlan d : plan.disks()) {
            ObjectNode o = Json.object();
            o.put("name", d.name());
            o.put("target", d.targetDev());
            o.put("cache", d.cache().specName());
            d.iothread().ifPresent(i -> o.put("iothread", i));
            o.put("top", d.top().value());
            ArrayNode nodes = o.putArray("nodes");
            for (BlockNode n : d.nodes()) {
                nodes.add(n.toJson());
            }
            o.set("device", d.device().toJson());
            disks.add(o);
        }
        ArrayNode fs = root.putArray("filesystems");
        for (StoragePlan.FilesystemPlan f : plan.filesystems()) {
            ObjectNode o = Json.object();
            o.put("name", f.name());
            o.put("chardev", f.chardev());
            o.put("socket", f.socket().toString());
            o.set("device", f.device().toJson());
            fs.add(o);
        }
        plan.downwardMetricsPort().ifPresent(m -> {
            ObjectNode o = root.putObject("downwardMetricsPort");
            o.put("chardev", m.chardev());
            o.put("socket", m.socket().toString());
            o.set("controller", m.controller().toJson());
            o.set("port", m.port().toJson());
        });
        ArrayNode artifacts = root.putArray("artifacts");
        for (Artifact a : plan.artifacts()) {
            artifacts.add(artifact(a));
        }
        ArrayNode notes = root.putArray("notes");
        plan.notes().forEach(notes::add);
        ArrayNode argv = root.putArray("argv");
        ArgvRenderer.argv(plan).forEach(argv::add);
        return root;
    }

    private static ObjectNode artifact(Artifact a) {
        Map<String, Object> f = new TreeMap<>();
        String type = switch (a) {
            case Artifact.PullContainerDisk p -> {
                f.put("image", p.image());
                p.pathInImage().ifPresent(x -> f.put("pathInImage", x));
                f.put("path", p.diskPath().toString());
                yield "pull-container-disk";
            }
            case Artifact.CreateOverlay o -> {
                f.put("path", o.path().toString());
                f.put("backing", o.backing().toString());
                o.backingFormat().ifPresent(x -> f.put("backingFormat", x));
                yield "create-overlay";
            }
            case Artifact.CreateEmptyDisk e -> {
                f.put("path", e.path().toString());
                f.put("sizeBytes", e.sizeBytes());
                yield "create-empty-disk";
            }
            case Artifact.EnsureClaimImage c -> {
                f.put("claim", c.claimName());
                f.put("path", c.path().toString());
                c.requestedBytes().ifPresent(s -> f.put("requestedBytes", s));
                f.put("preallocated", c.thick());
                f.put("expand", c.expand());
                f.put("tolerateLessSpacePercent", c.tolerateLessSpacePercent());
                yield "ensure-claim-image";
            }
            case Artifact.CreateHostDisk h -> {
                f.put("path", h.path().toString());
                f.put("sizeBytes", h.sizeBytes());
                yield "create-host-disk";
            }
            case Artifact.RequireBlockDevice b -> {
                f.put("claim", b.claimName());
                f.put("path", b.device().toString());
                b.requestedBytes().ifPresent(s -> f.put("requestedBytes", s));
                f.put("boundBy", b.boundBy());
                yield "require-block-device";
            }
            case Artifact.RequireHostDisk h -> {
                f.put("path", h.path().toString());
                yield "require-host-disk";
            }
            case Artifact.ImportDataVolume d -> {
                f.put("dataVolume", d.dataVolume());
                f.put("source", d.source().describe());
                f.put("path", d.path().toString());
                d.sizeBytes().ifPresent(s -> f.put("sizeBytes", s));
                if (d.blockDevice()) {
                    f.put("blockDevice", true);
                }
                yield "import-data-volume";
            }
            case Artifact.BuildIso i -> {
                f.put("path", i.path().toString());
                f.put("label", i.label());
                f.put("content", i.content().describe());
                yield "build-iso";
            }
            case Artifact.DownwardMetricsDisk d -> {
                f.put("path", d.path().toString());
                yield "downward-metrics-disk";
            }
            case Artifact.DownwardMetricsPort d -> {
                f.put("socket", d.socket().toString());
                yield "downward-metrics-port";
            }
            case Artifact.StartVirtiofsd v -> {
                f.put("socket", v.socket().toString());
                f.put("log", v.log().toString());
                f.put("sharedDir", v.sharedDir().toString());
                v.contents().ifPresent(c -> f.put("contents", "keys " + String.join(", ", c.keys())));
                if (v.createIfMissing()) {
                    f.put("createIfMissing", "true");
                }
                yield "start-virtiofsd";
            }
            case Artifact.RequirePrHelper p -> {
                f.put("socket", p.socket().toString());
                yield "require-pr-helper";
            }
            case Artifact.CreateTap t -> {
                f.put("tap", t.tap());
                f.put("bridge", t.bridge());
                yield "create-tap";
            }
            case Artifact.CopyEfiVars v -> {
                f.put("code", v.code().toString());
                f.put("template", v.template().toString());
                f.put("path", v.path().toString());
                f.put("persistent", v.persistent());
                yield "copy-efi-vars";
            }
        };
        ObjectNode o = Json.object();
        o.put("type", type);
        o.put("for", a.forName());
        o.put("ephemeral", a.ephemeral());
        f.forEach((k, v) -> o.set(k, v instanceof Long l
                ? JsonNodeFactory.instance.numberNode(l) : JsonNodeFactory.instance.textNode(String.valueOf(v))));
        return o;
    }
}
