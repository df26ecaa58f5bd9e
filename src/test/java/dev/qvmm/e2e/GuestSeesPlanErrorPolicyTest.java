package dev.qvmm.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.FileNode;
import dev.qvmm.blockdev.Json;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.qmp.QmpEvent;
import dev.qvmm.vmm.host.HostProbe;
import dev.qvmm.vmm.host.KvmFacts;
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
import dev.qvmm.vmm.storage.DiskPlan;
import dev.qvmm.vmm.storage.HostFacts;
import dev.qvmm.vmm.storage.StoragePlan;
import dev.qvmm.vmm.storage.StoragePlanner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * errorPolicy {@code report} and {@code ignore}, seen from the guest. The spec is planned by the
 * library exactly as {@code qvmm run} plans it; then the file node of each faulty disk is swapped
 * for a {@code blkdebug} node of the same name over the same file, failing every read with EIO.
 * Users never write such a node, so this suite launches the argv with {@link VmSession} instead of
 * {@code qvmm run}. One boot carries both faulty disks and a healthy one; each test checks one
 * policy on the guest's report and on QEMU's BLOCK_IO_ERROR events. {@code stop} (the VM pauses
 * naming the disk) is covered by {@link VmSessionGuestTest}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GuestSeesPlanErrorPolicyTest {

    private static final String NAME = "error-policies";
    private static final String SPEC = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: error-policies}
            spec:
              domain:
                cpu: {cores: 2}
                resources: {requests: {memory: 256Mi}}
                firmware:
                  kernelBoot:
                    kernelArgs: "console=ttyS0 panic=-1"
                    container: {image: @GUEST@, kernelPath: /vmlinux, initrdPath: /initrd.img}
                devices:
                  disks:
                  - {name: healthy, disk: {bus: virtio}, serial: HEALTHY-1}
                  - {name: reporting, disk: {bus: virtio}, serial: REPORT-2, errorPolicy: report}
                  - {name: ignoring, disk: {bus: virtio}, serial: IGNORE-3, errorPolicy: ignore}
              volumes:
              - {name: healthy, hostDisk: {path: @DIR@/healthy.raw, type: Disk}}
              - {name: reporting, hostDisk: {path: @DIR@/reporting.raw, type: Disk}}
              - {name: ignoring, hostDisk: {path: @DIR@/ignoring.raw, type: Disk}}
            """;

    @TempDir
    static Path dir;
    static StoragePlan plan;
    static List<String> argv;
    static final List<VmEvent> events = Collections.synchronizedList(new ArrayList<>());
    static final List<QmpEvent> ioErrors = Collections.synchronizedList(new ArrayList<>());
    static VmEvent end;
    static GuestReport report;

    @BeforeAll
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    static void bootWithTwoFaultyDisks() throws Exception {
        Path guest = ProbeGuest.build();
        List<Path> images = List.of(HostImages.raw(dir.resolve("healthy.raw"), 16L << 20),
                HostImages.raw(dir.resolve("reporting.raw"), 24L << 20), HostImages.raw(dir.resolve("ignoring.raw"), 32L << 20));
        Path file = dir.resolve(NAME + ".yaml");
        Files.writeString(file, SPEC.replace("@GUEST@", guest.toString()).replace("@DIR@", dir.toString()));

        // As qvmm run plans (PlanOptions): the host's accelerator, O_DIRECT probed on the images.
        Path state = dir.resolve("state");
        VmSpec spec = SpecReader.read(file, SpecContext.defaults()).spec();
        HostFacts facts = new HostFacts(state.resolve("claims"), state.resolve("run").resolve(NAME), state.resolve("images"),
                KvmFacts.probe().choose().accelerator(), HostProbe.withoutDirectIo(images), Map.of(), false,
                Path.of("/run/qemu-pr-helper.sock"), false, 2, state);
        plan = StoragePlanner.plan(spec, facts, HostProbe.qemu("qemu-system-x86_64"));
        new ArtifactPreparer(QemuImg.onPath()).prepare(plan.artifacts());
        argv = new ArrayList<>(ArgvRenderer.argv(plan));
        failEveryRead("reporting");
        failEveryRead("ignoring");

        RunDirectory run = RunDirectory.create(state, NAME);
        // Subscribed before the vCPUs start, so no BLOCK_IO_ERROR can be missed.
        try (VmSession vm = VmSession.launch(new LaunchSpec(NAME, argv, true, Duration.ofSeconds(60)), run, events::add,
                s -> s.qmp().subscribe(Set.of("BLOCK_IO_ERROR"), ioErrors::add))) {
            try {
                end = vm.terminated().get(ProbeGuest.BOOT_DEADLINE_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                vm.kill();
                throw new AssertionError("the guest did not power off within " + ProbeGuest.BOOT_DEADLINE_SECONDS
                        + " s; events " + events + "; console:\n" + Files.readString(run.consoleLog()));
            }
        }
        report = GuestReport.parse(Files.readString(run.consoleLog()));
        assertTrue(report.complete(), () -> "the guest's report is incomplete; events " + events + "; console:\n" + report);
    }

    /** Replaces the disk's file node with a blkdebug node of the same name that fails every read with EIO. */
    private static void failEveryRead(String disk) {
        FileNode file = fileNode(disk);
        String planned = Json.compact(file.toJson());
        int at = argv.indexOf(planned);
        assertTrue(at > 0 && argv.get(at - 1).equals("-blockdev"), () -> "no -blockdev " + planned + " in " + argv);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode blkdebug = mapper.createObjectNode();
        blkdebug.put("driver", "blkdebug");
        blkdebug.put("node-name", file.nodeName().value());
        blkdebug.putArray("inject-error").addObject().put("event", "read_aio").put("errno", 5);
        blkdebug.putObject("image").put("driver", "file").put("filename", file.filename().toString());
        argv.set(at, Json.compact(blkdebug));
    }

    @Test
    void reportShowsTheGuestTheReadError() {
        assertEquals("error", report.diskWithSerial("REPORT-2").get("read"), withReport("the guest's read of the reporting disk"));
        assertFalse(ioErrorsOf("reporting").isEmpty(), withReport("QEMU announced the reporting disk's errors: " + ioErrors));
        assertTrue(ioErrorsOf("reporting").stream().allMatch(e -> e.data().path("action").asText().equals("report")),
                withReport("every I/O error of the reporting disk was reported: " + ioErrorsOf("reporting")));
    }

    @Test
    void ignoreHidesTheReadErrorFromTheGuest() {
        // rerror=ignore completes the failed request as a success (virtio-blk status OK) without
        // filling the guest's buffer: the read "works" and returns whatever the buffer held. QEMU
        // still announces each error, which proves reads did fail underneath.
        assertEquals("ok", report.diskWithSerial("IGNORE-3").get("read"), withReport("the guest's read of the ignoring disk"));
        assertFalse(ioErrorsOf("ignoring").isEmpty(), withReport("QEMU announced the ignoring disk's errors: " + ioErrors));
        assertTrue(ioErrorsOf("ignoring").stream().allMatch(e -> e.data().path("action").asText().equals("ignore")),
                withReport("every I/O error of the ignoring disk was ignored: " + ioErrorsOf("ignoring")));
    }

    @Test
    void neitherPolicyPausesTheVmAndOtherDisksAreUntouched() {
        assertEquals("ok", report.diskWithSerial("HEALTHY-1").get("read"), withReport("the healthy disk reads"));
        assertTrue(ioErrorsOf("healthy").isEmpty(), withReport("the healthy disk had no errors: " + ioErrors));
        assertEquals(VmState.SUCCEEDED, end.state(), withReport("the VM ran to the guest's power-off: " + events));
        assertEquals("GuestShutdown", end.reason(), withReport("events " + events));
        assertTrue(events.stream().noneMatch(e -> e.state() == VmState.PAUSED), withReport("the VM never paused: " + events));
    }

    private static FileNode fileNode(String disk) {
        DiskPlan d = plan.disks().stream().filter(p -> p.name().equals(disk)).findFirst()
                .orElseThrow(() -> new AssertionError("the plan has no disk " + disk));
        for (BlockNode n : d.nodes()) {
            if (n instanceof FileNode f) {
                return f;
            }
        }
        throw new AssertionError("disk " + disk + " has no file node: " + d.nodes());
    }

    /** BLOCK_IO_ERROR events of a disk: QEMU names the disk's top node, the device's drive. */
    private static List<QmpEvent> ioErrorsOf(String disk) {
        String top = plan.disks().stream().filter(p -> p.name().equals(disk)).findFirst().orElseThrow().top().value();
        synchronized (ioErrors) {
            return ioErrors.stream().filter(e -> e.data().path("node-name").asText().equals(top)).toList();
        }
    }

    private static Supplier<String> withReport(String what) {
        return () -> what + "; the guest's report:\n" + report;
    }
}
