package dev.qvmm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Lifetimes" table, row by row, on a bare host with {@code qvmm run}: what survives a
 * guest reboot, a VM stop (qvmm run ends) and what stands for a VM deletion (the run directory
 * going away at the end of qvmm run), for each kind of disk. The probe guest marks its disks
 * (probe-init's {@code qvmm_reboot} and {@code qvmm_write}) and reports what each held before; the
 * host checks what is left on its side.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class DiskLifetimesTest {

    private static final long MIB = 1L << 20;
    /** What the ephemeral claim's base and the containerDisk's image hold at their start. */
    private static final String CLAIM_BASE = "EPHEMBAS";
    private static final String IMAGE_BASE = "CONTBASE";
    /** What probe-init writes: qvmm_reboot's marker and qvmm_write's. */
    private static final String BOOT_MARK = "QVMMBOOT";
    private static final String DATA_MARK = "QVMMDATA";

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    private static String vm(String name, String kernelArgs, String disks, String volumes, String objects) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1 %s"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      disks:
                %s  volumes:
                %s%s""".formatted(name, kernelArgs, guest, disks, volumes, objects);
    }

    /**
     * One VM, two runs. Disks in virtio order: vda emptyDisk, vdb ephemeral claim, vdc
     * containerDisk (host directory), vdd claim qvmm creates, vde hostDisk DiskOrCreate, vdf a
     * generated cloud-init ISO. The guest reboots once per run (vda carries the marker across it)
     * and then writes its mark on vdb-vde, saying what each held.
     */
    @Test
    void eachDiskKeepsOrLosesItsDataAsTheLifetimesTableSays(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path base = state.resolve("claims/base/disk.img");
        writeAt0(HostImages.raw(base, 8 * MIB), CLAIM_BASE);
        Path image = writeAt0(HostImages.raw(dir.resolve("image/disk/root.raw"), 8 * MIB), IMAGE_BASE);
        Path mine = dir.resolve("mine/disk.raw");
        String baseSum = sha256(base);
        String imageSum = sha256(image);
        String yaml = vm("lifetimes", "qvmm_reboot=vda qvmm_write=vdb,vdc,vdd,vde", """
                      - {name: scratch, disk: {bus: virtio}}
                      - {name: base, disk: {bus: virtio}}
                      - {name: root, disk: {bus: virtio}}
                      - {name: keep, disk: {bus: virtio}}
                      - {name: mine, disk: {bus: virtio}}
                      - {name: seed, disk: {bus: virtio}}
                """, """
                  - {name: scratch, emptyDisk: {capacity: 16Mi}}
                  - {name: base, ephemeral: {persistentVolumeClaim: {claimName: base}}}
                  - {name: root, containerDisk: {image: %s}}
                  - {name: keep, persistentVolumeClaim: {claimName: keep}}
                  - {name: mine, hostDisk: {path: %s, type: DiskOrCreate, capacity: 8Mi}}
                  - {name: seed, cloudInitNoCloud: {userData: "#cloud-config\\n"}}
                """.formatted(dir.resolve("image"), mine), """
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: keep}
                spec: {resources: {requests: {storage: 16Mi}}}
                """);

        // qvmm must let the guest reboot: QEMU without -no-reboot (or -action reboot=shutdown).
        Files.writeString(dir.resolve("lifetimes.yaml"), yaml);
        QvmmCli.Result planned = QvmmCli.run(Duration.ofSeconds(60), "plan", "--json", "--state-dir", state.toString(),
                dir.resolve("lifetimes.yaml").toString());
        assertEquals(0, planned.exitCode(), planned::toString);
        JsonNode plan = new ObjectMapper().readTree(planned.stdout());
        List<String> argv = new ArrayList<>();
        plan.path("argv").forEach(a -> argv.add(a.asText()));
        assertFalse(argv.contains("-no-reboot"), () -> "a guest reboot must reset, not end the VM:\n" + argv);
        assertFalse(argv.contains("-action"), () -> "no reboot=shutdown action either:\n" + argv);
        // The run's own artifacts: the overlays, the emptyDisk and the ISO, by the plan's own paths.
        Map<String, Path> ephemeral = new TreeMap<>();
        for (JsonNode a : plan.path("artifacts")) {
            if (a.path("ephemeral").asBoolean() && a.has("path")) {
                ephemeral.put(a.path("type").asText() + " for " + a.path("for").asText(), Path.of(a.path("path").asText()));
            }
        }
        assertEquals(List.of("build-iso for seed", "create-empty-disk for scratch", "create-overlay for base",
                "create-overlay for root"), List.copyOf(ephemeral.keySet()), () -> plan.path("artifacts").toPrettyString());

        // Run 1: a guest reboot in the middle, then a VM stop (the guest powers off, qvmm run ends).
        RunCliTest.Running first = RunCliTest.Running.start(dir, "lifetimes", yaml);
        try {
            first.awaitStdout("QVMM reboot ");
            ephemeral.forEach((what, p) -> {
                assertTrue(p.startsWith(first.runDir()), what + " lives in the run directory: " + p);
                assertTrue(Files.exists(p), what + " exists while the VM runs: " + p);
            });
        } catch (AssertionError e) {
            first.process().destroyForcibly();
            throw e;
        }
        assertEquals(0, exitOf(first), first::toString);
        GuestReport one = GuestReport.parse(Files.readString(first.stdout()));
        assertTrue(one.complete(), one::toString);
        assertEquals(BOOT_MARK, line(one, "rebooted", "vda").get("had"),
                "emptyDisk: what the first boot wrote is there after the guest reboot:\n" + one);
        assertEquals(1, one.all("reboot").size(), "the guest rebooted exactly once:\n" + one);
        assertEquals(CLAIM_BASE, line(one, "wrote", "vdb").get("had"), "ephemeral: the guest sees the claim's bytes:\n" + one);
        assertEquals(IMAGE_BASE, line(one, "wrote", "vdc").get("had"), "containerDisk: the guest sees the image's bytes:\n" + one);
        assertEquals("-", line(one, "wrote", "vdd").get("had"), "a new claim image starts empty:\n" + one);
        assertEquals("-", line(one, "wrote", "vde").get("had"), "a new hostDisk starts empty:\n" + one);

        // What stands for a VM delete: the run directory went with the VM, and everything in it.
        assertFalse(Files.exists(first.runDir()), "the run directory goes when qvmm run ends well:\n" + first);
        ephemeral.forEach((what, p) -> assertFalse(Files.exists(p), what + " is gone after the run: " + p));
        assertEquals(baseSum, sha256(base), "the ephemeral claim's base is never written");
        assertEquals(imageSum, sha256(image), "the containerDisk image is never written");
        assertEquals(DATA_MARK, readAt0(state.resolve("claims/keep/disk.img")), "the claim holds what the guest wrote");
        assertEquals(DATA_MARK, readAt0(mine), "the hostDisk holds what the guest wrote");

        // Run 2: the same VM again.
        RunCliTest.Running second = RunCliTest.Running.start(dir, "lifetimes", yaml);
        assertEquals(0, exitOf(second), second::toString);
        GuestReport two = GuestReport.parse(Files.readString(second.stdout()));
        assertTrue(two.complete(), two::toString);
        assertEquals("-", line(two, "reboot", "vda").get("had"), "emptyDisk: a new run starts from an empty disk:\n" + two);
        assertEquals(CLAIM_BASE, line(two, "wrote", "vdb").get("had"), "ephemeral: last run's write is gone:\n" + two);
        assertEquals(IMAGE_BASE, line(two, "wrote", "vdc").get("had"), "containerDisk: last run's write is gone:\n" + two);
        assertEquals(DATA_MARK, line(two, "wrote", "vdd").get("had"), "claim: last run's write survived the stop:\n" + two);
        assertEquals(DATA_MARK, line(two, "wrote", "vde").get("had"), "hostDisk: last run's write survived the stop:\n" + two);
        assertEquals(baseSum, sha256(base), "the ephemeral claim's base is still untouched");
        assertEquals(imageSum, sha256(image), "the containerDisk image is still untouched");
        assertTrue(Files.isRegularFile(state.resolve("claims/keep/disk.img")), "qvmm never deletes a claim image");
        assertTrue(Files.isRegularFile(mine), "qvmm never deletes a hostDisk");
    }

    /**
     * Thick and thin end to end. Run 1 makes an ext2 file system on both claims, writes 8 MiB of
     * random data, deletes it (probe-init's {@code qvmm_fill}); run 2 fstrims (qvmm_trim). The
     * thin claim's disk.img gives the blocks back to the host; the preallocated one offers the
     * guest no discard (the planner turns it off), so fstrim fails in the guest and the file keeps
     * every block. "Keeps" is at least its size, not an exact figure: the host file system may add
     * an extent block of its own when the guest's writes turn fallocate's unwritten extents into
     * written ones.
     */
    @Test
    void fstrimShrinksAThinClaimAndLeavesAPreallocatedOneWhole(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path thin = state.resolve("claims/thin/disk.img");
        Path thick = preallocated(state.resolve("claims/thick/disk.img"), 64 * MIB);
        String disks = """
                      - {name: thin, disk: {bus: virtio}}
                      - {name: thick, disk: {bus: virtio}}
                """;
        String volumes = """
                  - {name: thin, persistentVolumeClaim: {claimName: thin}}
                  - {name: thick, persistentVolumeClaim: {claimName: thick}}
                """;
        String objects = """
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: thin}
                spec: {resources: {requests: {storage: 64Mi}}}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: thick
                  annotations: {user.custom.kubevirt.io/storage.preallocation: "true"}
                spec: {resources: {requests: {storage: 64Mi}}}
                """;
        assertEquals(64 * MIB, allocated(thick), "the thick claim starts fully allocated");

        RunCliTest.Running fill = RunCliTest.Running.start(dir, "trim", vm("trim", "qvmm_fill=vda,vdb", disks, volumes, objects));
        assertEquals(0, exitOf(fill), fill::toString);
        GuestReport filled = GuestReport.parse(Files.readString(fill.stdout()));
        for (String dev : List.of("vda", "vdb")) {
            assertEquals(String.valueOf(8 * MIB), line(filled, "fill", dev).get("bytes"), "8 MiB written on " + dev + ":\n" + filled);
        }
        long thinFilled = allocated(thin);
        assertTrue(thinFilled >= 8 * MIB, "the thin claim holds the 8 MiB the guest wrote (and deleted): " + thinFilled);
        assertTrue(allocated(thick) >= 64 * MIB, "the thick claim is still fully allocated: " + allocated(thick));

        RunCliTest.Running trim = RunCliTest.Running.start(dir, "trim", vm("trim", "qvmm_trim=vda,vdb", disks, volumes, objects));
        assertEquals(0, exitOf(trim), trim::toString);
        GuestReport trimmed = GuestReport.parse(Files.readString(trim.stdout()));
        assertTrue(Long.parseLong(line(trimmed, "trim", "vda").get("trimmed")) >= 8 * MIB,
                "fstrim discarded at least the deleted 8 MiB on the thin claim:\n" + trimmed);
        assertEquals("fstrim", line(trimmed, "trim", "vdb").get("error"), "the thick claim offers the guest no discard:\n" + trimmed);
        long thinTrimmed = allocated(thin);
        assertTrue(thinTrimmed <= thinFilled - 7 * MIB,
                "fstrim gave the deleted data's blocks back to the host: " + thinFilled + " -> " + thinTrimmed + " bytes");
        assertTrue(allocated(thick) >= 64 * MIB, "the thick claim keeps every block: " + allocated(thick));
    }

    /**
     * Waits for {@code qvmm run} to end, and kills it when it does not: a disk that lost the
     * reboot marker makes the probe guest reboot forever. QEMU dies with it (pdeathsig).
     */
    private static int exitOf(RunCliTest.Running run) throws Exception {
        try {
            return run.awaitExit();
        } finally {
            if (run.process().isAlive()) {
                run.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static GuestReport.Line line(GuestReport report, String kind, String dev) {
        return report.all(kind).stream().filter(l -> dev.equals(l.fields().get("dev"))).findFirst()
                .orElseThrow(() -> new AssertionError("no \"" + kind + " dev=" + dev + "\" line:\n" + report));
    }

    private static Path writeAt0(Path file, String text) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    private static String readAt0(Path file) throws IOException {
        byte[] b = new byte[8];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.readFully(b);
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A raw image with every block allocated, as a preallocated claim's disk.img is. */
    private static Path preallocated(Path file, long bytes) throws Exception {
        Files.createDirectories(file.getParent());
        tool("fallocate", "-l", String.valueOf(bytes), file.toString());
        return file;
    }

    /** The bytes the host file system has allocated to {@code file} (st_blocks x 512). */
    private static long allocated(Path file) throws Exception {
        return Long.parseLong(tool("stat", "-c", "%b", file.toString()).trim()) * 512;
    }

    private static String tool(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish in 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> String.join(" ", argv) + " failed:\n" + out);
        return out;
    }
}
