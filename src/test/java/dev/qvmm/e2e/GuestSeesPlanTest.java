package dev.qvmm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the guest sees of a plan, booted the way users boot it: {@code qvmm run FILE}. One rich
 * spec (every bus, every size source, serials, both read-only paths, a cdrom, multi-queue, a thick
 * and a thin claim) boots once, about 12 s under TCG; each test then checks one feature on the
 * probe guest's report, and every failure shows that report. Boot order cannot be seen by a
 * kernel-booted guest, so it is checked in {@code qvmm plan}'s output; the error policies need a
 * fault node no user writes and live in {@link GuestSeesPlanErrorPolicyTest}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GuestSeesPlanTest {

    private static final long MIB = 1L << 20;
    private static final long ROOT = 64 * MIB;        // containerDisk: the image's virtual size
    private static final long BOOT = 48 * MIB;        // hostDisk DiskOrCreate: its capacity
    private static final long SCRATCH = 39 * MIB;     // emptyDisk 40000Ki = 39.06 MiB, rounded down
    private static final long DATA = 36 * MIB;        // emptyDisk on scsi
    private static final long STICK = 20 * MIB;       // emptyDisk on usb
    private static final long GOLDEN = 16 * MIB;      // hostDisk Disk: the file as it is
    private static final long THICK = 24 * MIB;       // claim image made here
    private static final long THIN = 28 * MIB;        // claim image qvmm makes from the claim's request
    private static final long SPARE = 44 * MIB;       // emptyDisk on sata
    private static final long ARCHIVE = 52 * MIB;     // claim image made here

    /** Sizes are unique, so a disk whose guest name is not fixed can be found by its size. */
    private static final String SPEC = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: sees-plan}
            spec:
              domain:
                cpu: {cores: 2}
                resources: {requests: {memory: 256Mi}}
                firmware:
                  kernelBoot:
                    kernelArgs: "console=ttyS0 panic=-1"
                    container: {image: @GUEST@, kernelPath: /vmlinux, initrdPath: /initrd.img}
                devices:
                  blockMultiQueue: true
                  disks:
                  - {name: root, disk: {bus: virtio}, serial: ROOT-1, bootOrder: 2}
                  - {name: boot, disk: {bus: sata}, serial: SATA-1}
                  - {name: scratch, disk: {bus: virtio}, serial: SCRATCH-2}
                  - {name: data, disk: {bus: scsi}, serial: SCSI-1, bootOrder: 1}
                  - {name: stick, disk: {bus: usb}, serial: USB-1}
                  - {name: golden, disk: {bus: virtio, readonly: true}, serial: GOLDEN-3}
                  - {name: thick, disk: {bus: virtio}, serial: THICK-4}
                  - {name: thin, disk: {bus: virtio}, serial: THIN-5}
                  - {name: spare, disk: {bus: sata}}
                  - {name: archive, disk: {bus: scsi}, serial: SCSI-2}
                  - {name: media, cdrom: {bus: sata}}
              volumes:
              - {name: root, containerDisk: {image: @DIR@/image}}
              - {name: boot, hostDisk: {path: @DIR@/host/boot.img, type: DiskOrCreate, capacity: 48Mi}}
              - {name: scratch, emptyDisk: {capacity: 40000Ki}}
              - {name: data, emptyDisk: {capacity: 36Mi}}
              - {name: stick, emptyDisk: {capacity: 20Mi}}
              - {name: golden, hostDisk: {path: @DIR@/golden.raw, type: Disk}}
              - {name: thick, persistentVolumeClaim: {claimName: thick}}
              - {name: thin, persistentVolumeClaim: {claimName: thin}}
              - {name: spare, emptyDisk: {capacity: 44Mi}}
              - {name: archive, persistentVolumeClaim: {claimName: archive, readOnly: true}}
              - {name: media, hostDisk: {path: @DIR@/media.iso, type: Disk}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: thick
              annotations: {user.custom.kubevirt.io/storage.preallocation: "true"}
            spec: {resources: {requests: {storage: 24Mi}}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: thin}
            spec: {resources: {requests: {storage: 28Mi}}}
            """;

    @TempDir
    static Path dir;
    static Path guest;
    static Path state;
    static Path isoContent;
    /** {@code qvmm plan --json}: the targets KubeVirt would name, the devices. */
    static JsonNode plan;
    /** {@code qvmm plan}: the QEMU argv, one argument per line. */
    static List<String> argv;
    static GuestReport report;

    @BeforeAll
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    static void bootTheRichSpec() throws Exception {
        guest = ProbeGuest.build();
        state = dir.resolve("state");
        HostImages.qcow2(dir.resolve("image/disk/base.qcow2"), ROOT);
        HostImages.raw(dir.resolve("golden.raw"), GOLDEN);
        HostImages.raw(state.resolve("claims/thick/disk.img"), THICK);
        HostImages.raw(state.resolve("claims/archive/disk.img"), ARCHIVE);
        isoContent = Files.createDirectories(dir.resolve("iso"));
        Files.writeString(isoContent.resolve("user-data"), "#cloud-config\nhostname: sees-plan\n");
        Files.writeString(isoContent.resolve("meta-data"), "instance-id: sees-plan\n");
        HostImages.iso(isoContent, "cidata", dir.resolve("media.iso"));
        Path spec = dir.resolve("sees-plan.yaml");
        Files.writeString(spec, SPEC.replace("@GUEST@", guest.toString()).replace("@DIR@", dir.toString()));

        QvmmCli.Result json = QvmmCli.run(Duration.ofSeconds(60), "plan", "--json", "--state-dir", state.toString(), spec.toString());
        assertEquals(0, json.exitCode(), json::toString);
        plan = new ObjectMapper().readTree(json.stdout());
        QvmmCli.Result args = QvmmCli.run(Duration.ofSeconds(60), "plan", "--state-dir", state.toString(), spec.toString());
        assertEquals(0, args.exitCode(), args::toString);
        argv = args.stdout().lines().toList();

        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(ProbeGuest.BOOT_DEADLINE_SECONDS), "run", "--state-dir",
                state.toString(), spec.toString());
        report = GuestReport.parse(run.stdout());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(report.complete(), () -> "the guest's report is incomplete:\n" + run);
    }

    @Test
    void virtioDisksAreVdaToVdeInSpecOrder() {
        // KubeVirt's names: one vd sequence over the virtio disks in spec order. The guest agrees:
        // virtio-blk devices are probed in PCI order, and qvmm gives them root ports in spec order.
        Map<String, String> expected = Map.of("root", "vda", "scratch", "vdb", "golden", "vdc", "thick", "vdd", "thin", "vde");
        Map<String, String> serials = Map.of("root", "ROOT-1", "scratch", "SCRATCH-2", "golden", "GOLDEN-3",
                "thick", "THICK-4", "thin", "THIN-5");
        expected.forEach((disk, name) -> {
            assertEquals(name, plannedDisk(disk).path("target").asText(), "planned target of " + disk);
            assertEquals("virtio-blk-pci", plannedDisk(disk).path("device").path("driver").asText(), "device of " + disk);
            GuestReport.Line seen = report.diskWithSerial(serials.get(disk));
            assertEquals(name, seen.get("name"), withReport("guest name of " + disk));
            assertEquals("virtio-blk", seen.get("transport"), withReport("transport of " + disk));
        });
        assertEquals(new TreeSet<>(expected.values()), guestNames("vd"), withReport("the guest's virtio disks"));
    }

    @Test
    void sataScsiAndUsbDisksShareOneSdSequence() {
        // KubeVirt's names: one sd sequence over sata, scsi and usb disks (cdroms included) in spec order.
        Map<String, String> targets = Map.of("boot", "sda", "data", "sdb", "stick", "sdc", "spare", "sdd",
                "archive", "sde", "media", "sdf");
        targets.forEach((disk, name) -> assertEquals(name, plannedDisk(disk).path("target").asText(), "planned target of " + disk));
        // sata on q35 is ide-hd (ide-cd) on the built-in AHCI's ports; usb is usb-storage on qemu-xhci.
        assertDevice("boot", "ide-hd", "ide.0");
        assertDevice("spare", "ide-hd", "ide.1");
        assertDevice("media", "ide-cd", "ide.2");
        assertDevice("data", "scsi-hd", "scsi0.0");
        assertDevice("archive", "scsi-hd", "scsi0.0");
        assertDevice("stick", "usb-storage", "usb.0");

        // The guest finds each disk on the transport its bus promises...
        Map<Long, String> transports = Map.of(BOOT, "ata", SPARE, "ata", DATA, "virtio-scsi", ARCHIVE, "virtio-scsi", STICK, "usb");
        transports.forEach((size, transport) -> {
            GuestReport.Line seen = report.diskSized(size);
            assertEquals(transport, seen.get("transport"), withReport("transport of the " + size + "-byte disk"));
            assertTrue(seen.get("name").startsWith("sd"), withReport("the " + size + "-byte disk is an sd disk"));
        });
        // ...and all five hard disks share one sd sequence, with no gap. Which letter each gets is
        // the guest kernel's business, not the plan's: Linux hands out sd letters as its drivers
        // probe (here virtio-scsi before AHCI before USB, the probe's module order, and the two
        // LUNs of one virtio-scsi host in either order), exactly as under KubeVirt, whose targets
        // are only hints to the guest. A cdrom is an sr device to Linux, whatever its target.
        assertEquals(new TreeSet<>(List.of("sda", "sdb", "sdc", "sdd", "sde")), guestNames("sd"), withReport("the guest's sd disks"));
        assertEquals("ata", report.disk("sr0").orElseThrow(withReportError("no sr0")).get("transport"), withReport("the cdrom's transport"));
    }

    @Test
    void sizesAreWhatEachVolumeSourceSays() throws Exception {
        assertEquals(String.valueOf(ROOT), report.diskWithSerial("ROOT-1").get("size"), withReport("containerDisk: the image's virtual size"));
        assertEquals(String.valueOf(SCRATCH), report.diskWithSerial("SCRATCH-2").get("size"),
                withReport("emptyDisk 40000Ki: rounded down to whole MiB"));
        assertEquals(String.valueOf(DATA), report.diskWithSerial("SCSI-1").get("size"), withReport("emptyDisk 36Mi on scsi"));
        // No serial the probe can read on these two: found by size, each exactly once.
        report.diskSized(STICK);
        report.diskSized(SPARE);
        assertEquals(String.valueOf(BOOT), report.diskWithSerial("SATA-1").get("size"), withReport("hostDisk DiskOrCreate capacity 48Mi"));
        assertEquals(BOOT, Files.size(dir.resolve("host/boot.img")), "the hostDisk qvmm created stays for the user");
        assertEquals(String.valueOf(GOLDEN), report.diskWithSerial("GOLDEN-3").get("size"), withReport("hostDisk Disk: the file's size"));
        assertEquals(String.valueOf(THICK), report.diskWithSerial("THICK-4").get("size"), withReport("claim: its disk.img"));
        assertEquals(String.valueOf(THIN), report.diskWithSerial("THIN-5").get("size"),
                withReport("claim without a disk.img: created at the claim's requested 28Mi"));
        assertEquals(THIN, Files.size(state.resolve("claims/thin/disk.img")), "the claim image qvmm created stays for the user");
        assertEquals(String.valueOf(ARCHIVE), report.diskWithSerial("SCSI-2").get("size"), withReport("read-only claim: its disk.img"));
    }

    @Test
    void serialsReachTheGuestOnVirtioScsiAndSata() {
        // virtio-blk: /sys/block/vdX/serial. scsi-hd: VPD page 0x80. sata: libata answers VPD 0x80
        // from the disk's ATA IDENTIFY serial (words 10-19), so ide-hd's serial is visible too.
        for (String serial : List.of("ROOT-1", "SCRATCH-2", "GOLDEN-3", "THICK-4", "THIN-5")) {
            assertEquals("virtio-blk", report.diskWithSerial(serial).get("transport"), withReport("disk with serial " + serial));
        }
        assertEquals("virtio-scsi", report.diskWithSerial("SCSI-1").get("transport"), withReport("scsi serial"));
        assertEquals("virtio-scsi", report.diskWithSerial("SCSI-2").get("transport"), withReport("scsi serial"));
        assertEquals("ata", report.diskWithSerial("SATA-1").get("transport"), withReport("sata serial"));
        // usb-storage puts the serial in the USB device descriptor (iSerialNumber), which Linux
        // does not expose under /sys/block and the probe does not read: not checked here.
    }

    @Test
    void readOnlyDisksAreReadOnlyAndStillReadable() {
        // disk.readonly on virtio, and a claim mounted readOnly on scsi: the guest cannot write
        // either, and can read both.
        for (String serial : List.of("GOLDEN-3", "SCSI-2")) {
            GuestReport.Line seen = report.diskWithSerial(serial);
            assertEquals("1", seen.get("ro"), withReport(serial + " is read-only"));
            assertEquals("ok", seen.get("read"), withReport(serial + " can be read"));
        }
        for (String serial : List.of("ROOT-1", "SCSI-1", "SATA-1")) {
            assertEquals("0", report.diskWithSerial(serial).get("ro"), withReport(serial + " is writable"));
        }
    }

    @Test
    void theCdromIsAReadOnlyRemovableDriveHoldingTheIso() throws Exception {
        GuestReport.Line sr = report.disk("sr0").orElseThrow(withReportError("the guest saw no cdrom"));
        assertEquals("1", sr.get("ro"), withReport("a cdrom is read-only"));
        assertEquals("1", sr.get("removable"), withReport("a cdrom is removable"));
        assertEquals("ok", sr.get("read"), withReport("the cdrom can be read"));
        assertEquals("cidata", report.all("iso").stream().filter(l -> "sr0".equals(l.fields().get("dev"))).findFirst()
                .orElseThrow(withReportError("sr0 did not mount as ISO 9660")).get("label"), withReport("the ISO's volume label"));
        Map<String, String> seen = new HashMap<>();
        for (GuestReport.Line f : report.all("file")) {
            if ("sr0".equals(f.fields().get("dev"))) {
                seen.put(f.get("path"), f.get("size") + " " + f.get("md5"));
            }
        }
        Map<String, String> expected = new HashMap<>();
        for (String name : List.of("user-data", "meta-data")) {
            Path file = isoContent.resolve(name);
            expected.put("/" + name, Files.size(file) + " " + HostImages.md5(file));
        }
        assertEquals(expected, seen, withReport("the files on the cdrom (size md5)"));
    }

    @Test
    void blockMultiQueueGivesEachVirtioDiskOneQueuePerVcpu() {
        assertEquals("2", report.all("start").getFirst().get("cpus"), withReport("the guest has 2 vCPUs"));
        for (String serial : List.of("ROOT-1", "SCRATCH-2", "GOLDEN-3", "THICK-4", "THIN-5")) {
            assertEquals("2", report.diskWithSerial(serial).get("queues"), withReport("queues of " + serial));
        }
    }

    @Test
    void withoutBlockMultiQueueAVirtioDiskHasOneQueue(@TempDir Path other) throws Exception {
        Path spec = other.resolve("single-queue.yaml");
        Files.writeString(spec, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: single-queue}
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
                      - {name: one, disk: {bus: virtio}, serial: ONE-1}
                  volumes:
                  - {name: one, emptyDisk: {capacity: 16Mi}}
                """.replace("@GUEST@", guest.toString()));
        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(ProbeGuest.BOOT_DEADLINE_SECONDS), "run", "--state-dir",
                other.resolve("state").toString(), spec.toString());
        GuestReport single = GuestReport.parse(run.stdout());
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals("2", single.all("start").getFirst().get("cpus"), () -> "the guest has 2 vCPUs:\n" + single);
        assertEquals("1", single.diskWithSerial("ONE-1").get("queues"), () -> "one queue without blockMultiQueue:\n" + single);
    }

    @Test
    void aThickClaimHidesDiscardAndThinDisksOfferIt() {
        // A claim annotated */storage.preallocation "true" is thick: discards would punch holes in
        // what was preallocated, so the device offers none (virtio-blk discard=off).
        assertEquals("0", report.diskWithSerial("THICK-4").get("discard"), withReport("discard of the thick claim"));
        for (String serial : List.of("THIN-5", "ROOT-1", "SCRATCH-2")) {
            long max = Long.parseLong(report.diskWithSerial(serial).get("discard"));
            assertTrue(max > 0, withReport(serial + " offers discard"));
        }
    }

    @Test
    void bootOrderBecomesBootindexOnTheDisksDevices() {
        // A kernel-booted guest never asks the firmware, so the proof is the command line itself.
        Map<String, Integer> bootindex = new HashMap<>();
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-device")) {
                JsonNode device = json(argv.get(i + 1));
                if (device.has("bootindex")) {
                    bootindex.put(device.path("id").asText(), device.path("bootindex").asInt());
                }
            }
        }
        assertEquals(Map.of(deviceId("data"), 1, deviceId("root"), 2), bootindex, () -> String.join("\n", argv));
    }

    private static JsonNode plannedDisk(String name) {
        for (JsonNode d : plan.path("disks")) {
            if (d.path("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError("the plan has no disk " + name + ":\n" + plan.toPrettyString());
    }

    private static void assertDevice(String disk, String driver, String bus) {
        JsonNode device = plannedDisk(disk).path("device");
        assertEquals(driver, device.path("driver").asText(), "driver of " + disk + ": " + device);
        assertEquals(bus, device.path("bus").asText(), "bus of " + disk + ": " + device);
    }

    private static String deviceId(String disk) {
        return plannedDisk(disk).path("device").path("id").asText();
    }

    /** The guest's disk names that start with {@code prefix}. */
    private static Set<String> guestNames(String prefix) {
        return report.all("disk").stream().map(l -> l.get("name")).filter(n -> n.startsWith(prefix))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static Supplier<String> withReport(String what) {
        return () -> what + "; the guest's report:\n" + report;
    }

    private static Supplier<AssertionError> withReportError(String what) {
        return () -> new AssertionError(withReport(what).get());
    }
}
