package dev.qvmm.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Block claims on real loop devices, one boot: a volumeMode Block claim bound by a static
 * PersistentVolume ({@code local.path}) is read and written by the guest (the write lands in the
 * loop device's backing file), and an ephemeral volume over a second Block claim, bound in the host
 * config's {@code blockClaims}, shows the device's bytes while the device itself is never written.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BlockClaimGuestTest {

    private static final long MIB = 1L << 20;

    @Test
    void theGuestReadsAndWritesABlockClaimAndAnEphemeralOverlayLeavesItsDeviceAlone(@TempDir Path dir) throws Exception {
        RunCliTest.guest = ProbeGuest.build(); // RunCliTest.spec boots it
        Path dataFile = file(dir.resolve("data.img"), 24 * MIB, "BLKBASE1");
        Path baseFile = file(dir.resolve("base.img"), 20 * MIB, "BLKBASE2");
        String baseSum = sha256(baseFile);
        Path data = losetup(dataFile);
        assumeTrue(data != null, "losetup needs root");
        Path base = null;
        try {
            base = losetup(baseFile);
            assertTrue(base != null, "a second loop device");
            Path hostConfig = Files.writeString(dir.resolve("host.yaml"), "blockClaims: {base: " + base + "}\n");
            String yaml = RunCliTest.spec("blk", "qvmm_write=vdb,vdc", """
                          - {name: data, disk: {bus: virtio}, serial: BLK-DATA}
                          - {name: base, disk: {bus: virtio}, serial: BLK-EPH}
                    """, """
                      - {name: data, persistentVolumeClaim: {claimName: data}}
                      - {name: base, ephemeral: {persistentVolumeClaim: {claimName: base}}}
                    ---
                    apiVersion: v1
                    kind: PersistentVolumeClaim
                    metadata: {name: data}
                    spec: {volumeMode: Block, resources: {requests: {storage: 16Mi}}, volumeName: local-data}
                    ---
                    apiVersion: v1
                    kind: PersistentVolume
                    metadata: {name: local-data}
                    spec:
                      capacity: {storage: 24Mi}
                      volumeMode: Block
                      local: {path: %s}
                    ---
                    apiVersion: v1
                    kind: PersistentVolumeClaim
                    metadata: {name: base}
                    spec: {volumeMode: Block, resources: {requests: {storage: 20Mi}}}
                    """.formatted(data));
            RunCliTest.Running run = RunCliTest.Running.start(dir, "blk", yaml, "--host-config", hostConfig.toString());
            int exit;
            try {
                exit = run.awaitExit();
            } finally {
                if (run.process().isAlive()) {
                    run.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            assertEquals(0, exit, run::toString);
            GuestReport report = GuestReport.parse(Files.readString(run.stdout()));
            assertTrue(report.complete(), report::toString);
            GuestReport.Line d = report.diskWithSerial("BLK-DATA");
            assertEquals(String.valueOf(24 * MIB), d.get("size"), "the guest sees the whole device, not the request:\n" + report);
            assertEquals("0", d.get("ro"), report::toString);
            GuestReport.Line e = report.diskWithSerial("BLK-EPH");
            assertEquals(String.valueOf(20 * MIB), e.get("size"), report::toString);
            assertEquals("BLKBASE1", wrote(report, d.get("name")), "the guest reads the device's bytes:\n" + report);
            assertEquals("BLKBASE2", wrote(report, e.get("name")), "the overlay shows its base device's bytes:\n" + report);
            assertEquals("QVMMDATA", readAt0(dataFile), "the guest's write reached the device's backing file");
            assertEquals(baseSum, sha256(baseFile), "an ephemeral volume never writes its Block claim's device");
            assertTrue(!Files.exists(run.runDir()), "the overlay went with the run directory");
        } finally {
            detach(data);
            if (base != null) {
                detach(base);
            }
        }
    }

    /** Bad input end to end: a Block claim bound to a regular file, and to a device smaller than its request. */
    @Test
    void aBlockClaimOnAFileOrATooSmallDeviceFailsBeforeQemuStartsNamingTheVolume(@TempDir Path dir) throws Exception {
        RunCliTest.guest = ProbeGuest.build();
        Path file = file(dir.resolve("not-a-device.img"), 8 * MIB, "USERDATA");
        Path loopFile = file(dir.resolve("small.img"), 8 * MIB, "USERDATA");
        Path small = losetup(loopFile);
        assumeTrue(small != null, "losetup needs root");
        try {
            for (Path device : List.of(file, small)) {
                String yaml = RunCliTest.spec("badblk", "", """
                              - {name: data, disk: {bus: virtio}}
                        """, """
                          - {name: data, persistentVolumeClaim: {claimName: data}}
                        ---
                        apiVersion: v1
                        kind: PersistentVolumeClaim
                        metadata: {name: data}
                        spec: {volumeMode: Block, resources: {requests: {storage: 16Mi}}, volumeName: pv}
                        ---
                        apiVersion: v1
                        kind: PersistentVolume
                        metadata: {name: pv}
                        spec: {volumeMode: Block, local: {path: %s}}
                        """.formatted(device));
                RunCliTest.Running run = RunCliTest.Running.start(dir, "badblk", yaml);
                assertEquals(1, run.awaitExit(), run::toString);
                String err = Files.readString(run.stderr());
                assertTrue(err.contains("volume \"data\"") && err.contains("claim \"data\"") && err.contains(device.toString())
                        && (device.equals(file) ? err.contains("not a block device")
                        : err.contains(String.valueOf(16 * MIB)) && err.contains(String.valueOf(8 * MIB))), run::toString);
                assertTrue(!Files.exists(run.runDir().resolve("qemu.pid")), "QEMU never started:\n" + run);
                assertTrue(!Files.exists(run.runDir().resolve("empty-disks")), "the emptyDisk made first was rolled back:\n" + run);
            }
            assertEquals("USERDATA", readAt0(file));
            assertEquals("USERDATA", readAt0(loopFile));
            assertEquals(8 * MIB, Files.size(file));
        } finally {
            detach(small);
        }
    }

    private static String wrote(GuestReport report, String dev) {
        return report.all("wrote").stream().filter(l -> dev.equals(l.fields().get("dev"))).findFirst()
                .orElseThrow(() -> new AssertionError("no wrote line for " + dev + ":\n" + report)).get("had");
    }

    private static Path file(Path p, long size, String mark) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            f.write(mark.getBytes(StandardCharsets.US_ASCII));
        }
        return p;
    }

    private static String readAt0(Path file) throws Exception {
        byte[] b = new byte[8];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.readFully(b);
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** {@code losetup -f --show FILE}; {@code null} when it cannot attach one (not root). */
    static Path losetup(Path file) throws Exception {
        Process p = new ProcessBuilder("losetup", "-f", "--show", file.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.exitValue() == 0 && out.startsWith("/dev/") ? Path.of(out) : null;
    }

    static void detach(Path loop) throws Exception {
        if (loop == null) {
            return;
        }
        Process p = new ProcessBuilder("losetup", "-d", loop.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "losetup -d " + loop + " hung");
    }
}
