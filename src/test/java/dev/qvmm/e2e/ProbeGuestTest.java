package dev.qvmm.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe guest that scripts/build-test-guest makes from Debian packages boots under QEMU and
 * reports what it sees. This checks the guest itself with a hand-written QEMU command line;
 * the suites of qvmm's own features boot it through qvmm.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProbeGuestTest {

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    @Test
    void reportsDisksSerialsQueuesAndIsoContents(@TempDir Path dir) throws Exception {
        Path data = sized(dir.resolve("data.raw"), 64L << 20);
        Path scsi = sized(dir.resolve("scsi.raw"), 32L << 20);
        Path isoDir = Files.createDirectories(dir.resolve("iso"));
        Files.writeString(isoDir.resolve("user-data"), "#cloud-config\n");
        Path iso = dir.resolve("seed.iso");
        Process mk = new ProcessBuilder("xorriso", "-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", iso.toString(),
                isoDir.toString()).redirectErrorStream(true).start();
        assertTrue(mk.waitFor(60, TimeUnit.SECONDS) && mk.exitValue() == 0, new String(mk.getInputStream().readAllBytes()));

        GuestReport report = ProbeGuest.boot(guest, dir, List.of(
                "-blockdev", "driver=file,filename=" + data + ",node-name=f-data",
                "-device", "virtio-blk-pci,drive=f-data,serial=DATA-1,num-queues=2",
                "-device", "virtio-scsi-pci,id=scsi0",
                "-blockdev", "driver=file,filename=" + scsi + ",node-name=f-scsi",
                "-device", "scsi-hd,drive=f-scsi,serial=SCSI-2,rotation_rate=1",
                "-blockdev", "driver=file,filename=" + iso + ",node-name=f-iso,read-only=on",
                "-device", "ide-cd,drive=f-iso,bus=ide.2"));

        GuestReport.Line vd = report.diskWithSerial("DATA-1");
        assertEquals("vda", vd.get("name"), report::toString);
        assertEquals(String.valueOf(64L << 20), vd.get("size"), report::toString);
        assertEquals("2", vd.get("queues"), report::toString);

        GuestReport.Line sd = report.diskWithSerial("SCSI-2");
        assertEquals("sda", sd.get("name"), report::toString);
        assertEquals("0", sd.get("rotational"), "rotation_rate=1 makes a non-rotational disk\n" + report);

        GuestReport.Line isoLine = report.all("iso").getFirst();
        assertEquals("cidata", isoLine.get("label"), report::toString);
        GuestReport.Line file = report.all("file").getFirst();
        assertEquals("/user-data", file.get("path"), report::toString);
        assertEquals("14", file.get("size"), report::toString);
    }

    private static Path sized(Path p, long size) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }
}
