package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.image.ContainerDiskStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DataVolume imports with the real tools: a loopback {@link HttpServer} serving a qcow2, a gzip and
 * an xz of a raw image (made here with qemu-img, the JDK and xz), a raw socket that closes mid-body,
 * local files and claim clones. Every result is checked with qemu-img info (raw, size) and by its
 * bytes; every failure by its kind and by what it left on disk (nothing).
 */
class DataVolumeImporterTest {

    private static final long MIB = 1L << 20;
    private static final long IMAGE_SIZE = 8 * MIB;
    private static final long REQUEST = 16 * MIB;

    @TempDir
    static Path shared;
    static Path raw;
    static Path qcow2;
    static Path gz;
    static Path xz;
    static HttpServer server;

    @TempDir
    Path work;

    private final QemuImg qemuImg = QemuImg.onPath();
    private final List<ImportProgress.Status> reports = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void images() throws Exception {
        raw = shared.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(IMAGE_SIZE);
            byte[] pattern = new byte[(int) MIB];
            Arrays.fill(pattern, (byte) 0x5a);
            f.write(pattern);
            f.seek(4 * MIB);
            f.write("qvmm-datavolume".getBytes(StandardCharsets.US_ASCII));
        }
        qcow2 = shared.resolve("disk.qcow2");
        QemuImg.onPath().convert(raw, "raw", qcow2, "qcow2", Duration.ofSeconds(60));
        gz = shared.resolve("disk.raw.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(raw, o);
        }
        xz = shared.resolve("disk.raw.xz");
        Process p = new ProcessBuilder("xz", "--keep", "--stdout", raw.toString()).redirectOutput(xz.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "xz finishes");
        assertEquals(0, p.exitValue());

        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        for (Path served : List.of(qcow2, gz, xz)) {
            server.createContext("/" + served.getFileName(), ex -> {
                ex.sendResponseHeaders(200, Files.size(served));
                try (OutputStream o = ex.getResponseBody()) {
                    Files.copy(served, o);
                }
            });
        }
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private DataVolumeImporter importer() {
        return new DataVolumeImporter(qemuImg, () -> ContainerDiskStore.onPath(qemuImg), reports::add,
                Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    private Path claim(String name) {
        return work.resolve("claims").resolve(name).resolve("disk.img");
    }

    private Artifact.ImportDataVolume artifact(String claim, ImportSource source) {
        return new Artifact.ImportDataVolume("data", claim, source, claim(claim), OptionalLong.of(REQUEST), false);
    }

    private DataVolumeImporter.Outcome run(Artifact.ImportDataVolume a) throws IOException {
        try (Rollback rollback = new Rollback()) {
            DataVolumeImporter.Outcome o = importer().importInto(a, rollback);
            rollback.commit();
            return o;
        }
    }

    /** Raw, the claim's requested size, the source's bytes first and zeros after. */
    private void assertImported(Path disk) throws IOException {
        QemuImg.Info info = qemuImg.info(disk);
        assertEquals("raw", info.format());
        assertEquals(REQUEST, info.virtualSize());
        assertEquals(REQUEST, Files.size(disk));
        assertEquals(-1L, mismatchPrefix(raw, disk), "the first " + IMAGE_SIZE + " bytes are the source's");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            f.seek(IMAGE_SIZE);
            byte[] tail = new byte[(int) (REQUEST - IMAGE_SIZE)];
            f.readFully(tail);
            assertArrayEquals(new byte[tail.length], tail, "the grown part reads as zeros");
        }
        assertTrue(Files.isRegularFile(disk.resolveSibling(DataVolumeImporter.MARKER)), "the import marker is written");
        assertNoStaging(disk.getParent());
    }

    private static long mismatchPrefix(Path a, Path b) throws IOException {
        byte[] x = Files.readAllBytes(a);
        byte[] y = new byte[x.length];
        try (InputStream in = Files.newInputStream(b)) {
            assertEquals(x.length, in.readNBytes(y, 0, y.length));
        }
        return Arrays.mismatch(x, y);
    }

    private static void assertNoStaging(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".import-")).toList());
        }
    }

    /** A failed import leaves no disk.img, no marker, no staging, and not even the claim directory it made. */
    private void assertNothingLeft(String claim) {
        assertFalse(Files.exists(claim(claim).getParent()), "the claim directory the import made is removed");
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void httpQcow2IsConvertedToRawOfTheRequestedSizeWithProgress() throws Exception {
        DataVolumeImporter.Outcome o = run(artifact("q", new ImportSource.Http(url("/disk.qcow2"), Optional.empty())));
        assertTrue(o.imported());
        assertImported(claim("q"));
        ImportProgress.Status last = reports.getLast();
        assertTrue(last.done());
        assertEquals(Files.size(qcow2), last.bytes());
        assertEquals(OptionalLong.of(Files.size(qcow2)), last.totalBytes());
        assertTrue(Files.readString(claim("q").resolveSibling(DataVolumeImporter.MARKER)).contains("source=http " + url("/disk.qcow2")));
    }

    @Test
    void aTerminalSeesBytesRateAndEta() {
        java.io.StringWriter out = new java.io.StringWriter();
        ImportProgress p = ImportProgress.onTerminal(new java.io.PrintWriter(out));
        p.report(new ImportProgress.Status("dv", 12 * MIB, OptionalLong.of(100 * MIB), 4.0 * MIB,
                Optional.of(Duration.ofSeconds(22)), false));
        p.report(new ImportProgress.Status("dv", 100 * MIB, OptionalLong.of(100 * MIB), 4.0 * MIB, Optional.empty(), true));
        assertEquals("\rDataVolume dv: 12.0 MiB of 100.0 MiB (12%), 4.0 MiB/s, ETA 22 s"
                + "\rDataVolume dv: 100.0 MiB of 100.0 MiB (100%), 4.0 MiB/s\n", out.toString());
    }

    @Test
    void httpGzipAndXzAreDecompressed() throws Exception {
        run(artifact("g", new ImportSource.Http(url("/disk.raw.gz"), Optional.empty())));
        assertImported(claim("g"));
        run(artifact("x", new ImportSource.Http(url("/disk.raw.xz"), Optional.empty())));
        assertImported(claim("x"));
    }

    @Test
    void http404FailsNamingTheDataVolumeAndLeavesNothing() {
        VmmException e = assertThrows(VmmException.class,
                () -> run(artifact("nf", new ImportSource.Http(url("/missing.qcow2"), Optional.empty()))));
        assertEquals(VmmException.Kind.IMPORT_SOURCE_NOT_FOUND, e.kind());
        assertEquals("data", e.subject());
        assertTrue(e.getMessage().contains("DataVolume \"nf\"") && e.getMessage().contains("404"), e.getMessage());
        assertNothingLeft("nf");
    }

    @Test
    void unreachableServerFails() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        VmmException e = assertThrows(VmmException.class, () -> run(artifact("u",
                new ImportSource.Http(URI.create("http://127.0.0.1:" + port + "/disk.qcow2"), Optional.empty()))));
        assertEquals(VmmException.Kind.IMPORT_UNREACHABLE, e.kind());
        assertNothingLeft("u");
    }

    @Test
    void serverClosingMidBodyFailsAndLeavesNothing() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = listener.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    OutputStream o = s.getOutputStream();
                    o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + Files.size(qcow2) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    o.write(Files.readAllBytes(qcow2), 0, (int) (Files.size(qcow2) / 2));
                    o.flush();
                } catch (IOException ignored) {
                    // the client may have gone already; the assertion is on the importer's side
                }
            });
            VmmException e = assertThrows(VmmException.class, () -> run(artifact("cut", new ImportSource.Http(
                    URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/disk.qcow2"), Optional.empty()))));
            assertEquals(VmmException.Kind.IMPORT_UNREACHABLE, e.kind(), e.getMessage());
            assertTrue(peer.join(Duration.ofSeconds(10)));
        }
        assertNothingLeft("cut");
    }

    @Test
    void aServerThatStallsMidBodyFailsAfterTheStallLimit() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = listener.accept()) {
                    s.setSoTimeout(10_000);
                    s.getInputStream().read(new byte[4096]);
                    OutputStream o = s.getOutputStream();
                    o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + Files.size(qcow2) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    o.write(Files.readAllBytes(qcow2), 0, 4096);
                    o.flush();
                    s.getInputStream().read(); // holds the connection open, silent, until the client gives up
                } catch (IOException ignored) {
                    // the client hung up or the read timed out: either ends the peer
                }
            });
            DataVolumeImporter impatient = new DataVolumeImporter(qemuImg, () -> ContainerDiskStore.onPath(qemuImg),
                    reports::add, Duration.ofSeconds(1), Duration.ofSeconds(60));
            long t0 = System.nanoTime();
            VmmException e = assertThrows(VmmException.class, () -> {
                try (Rollback rollback = new Rollback()) {
                    impatient.importInto(artifact("stall", new ImportSource.Http(
                            URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/disk.qcow2"), Optional.empty())), rollback);
                }
            });
            assertEquals(VmmException.Kind.IMPORT_UNREACHABLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("sent nothing for 1 s"), e.getMessage());
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 8, "gave up after about the stall limit");
            assertTrue(peer.join(Duration.ofSeconds(15)));
        }
        assertNothingLeft("stall");
    }

    @Test
    void checksumIsVerifiedBeforeTheImageIsPlaced() throws Exception {
        run(artifact("ok", new ImportSource.Http(url("/disk.qcow2"), Optional.of(sha256(qcow2)))));
        assertImported(claim("ok"));

        String wrong = "0".repeat(64);
        VmmException e = assertThrows(VmmException.class,
                () -> run(artifact("bad", new ImportSource.Http(url("/disk.qcow2"), Optional.of(wrong)))));
        assertEquals(VmmException.Kind.IMPORT_CHECKSUM_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains(sha256(qcow2)), e.getMessage());
        assertNothingLeft("bad");
    }

    @Test
    void blankIsASparseRawImageOfTheRequest() throws Exception {
        run(artifact("b", new ImportSource.Blank()));
        QemuImg.Info info = qemuImg.info(claim("b"));
        assertEquals("raw", info.format());
        assertEquals(REQUEST, info.virtualSize());
        assertTrue(info.actualSize() < MIB, "sparse: " + info.actualSize() + " bytes allocated");
    }

    @Test
    void cloneCopiesAnotherClaimSparsely() throws Exception {
        Path source = claim("src");
        Files.createDirectories(source.getParent());
        Files.copy(raw, source);
        run(artifact("c", new ImportSource.Clone("src", source)));
        Path disk = claim("c");
        assertImported(disk);
        assertTrue(qemuImg.info(disk).actualSize() < 4 * MIB, "holes are kept: " + qemuImg.info(disk).actualSize());
        assertEquals(-1L, Files.mismatch(raw, source), "the source claim is unchanged");

        VmmException e = assertThrows(VmmException.class,
                () -> run(artifact("c2", new ImportSource.Clone("nosuch", claim("nosuch")))));
        assertEquals(VmmException.Kind.IMPORT_SOURCE_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("claim \"nosuch\""), e.getMessage());
        assertNothingLeft("c2");
    }

    @Test
    void localFileIsReadInPlace() throws Exception {
        run(artifact("l", new ImportSource.LocalFile(qcow2, Optional.of(sha256(qcow2)))));
        assertImported(claim("l"));
        run(artifact("lx", new ImportSource.LocalFile(xz, Optional.empty())));
        assertImported(claim("lx"));

        VmmException e = assertThrows(VmmException.class,
                () -> run(artifact("lm", new ImportSource.LocalFile(shared.resolve("absent.qcow2"), Optional.empty()))));
        assertEquals(VmmException.Kind.IMPORT_SOURCE_NOT_FOUND, e.kind());
        assertNothingLeft("lm");
    }

    @Test
    void anImportedClaimIsNeverWrittenAgain() throws Exception {
        Artifact.ImportDataVolume a = artifact("again", new ImportSource.Http(url("/disk.qcow2"), Optional.empty()));
        run(a);
        try (RandomAccessFile f = new RandomAccessFile(claim("again").toFile(), "rw")) {
            f.seek(10 * MIB);
            f.write("written by the guest".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] before = Files.readAllBytes(claim("again"));
        reports.clear();
        DataVolumeImporter.Outcome o = run(a);
        assertFalse(o.imported());
        assertEquals(Optional.of("http " + url("/disk.qcow2")), o.importedFrom());
        assertArrayEquals(before, Files.readAllBytes(claim("again")), "the user's data is untouched");
        assertEquals(List.of(), reports, "nothing was downloaded");
    }

    @Test
    void aStartThatFailsLaterRollsTheFreshImportBack() throws Exception {
        try (Rollback rollback = new Rollback()) {
            assertTrue(importer().importInto(artifact("rb", new ImportSource.Blank()), rollback).imported());
            assertTrue(Files.exists(claim("rb")));
        }
        assertNothingLeft("rb");
    }

    @Test
    void anImageLargerThanTheClaimOrOfAnotherFormatIsRefused() throws Exception {
        Artifact.ImportDataVolume small = new Artifact.ImportDataVolume("data", "small",
                new ImportSource.LocalFile(qcow2, Optional.empty()), claim("small"), OptionalLong.of(4 * MIB), false);
        VmmException e = assertThrows(VmmException.class, () -> run(small));
        assertEquals(VmmException.Kind.VOLUME_INVALID, e.kind());
        assertTrue(e.getMessage().contains("requests.storage"), e.getMessage());
        assertNothingLeft("small");

        Path vmdk = work.resolve("disk.vmdk");
        qemuImg.convert(raw, "raw", vmdk, "vmdk", Duration.ofSeconds(60));
        VmmException f = assertThrows(VmmException.class,
                () -> run(artifact("vm", new ImportSource.LocalFile(vmdk, Optional.empty()))));
        assertEquals(VmmException.Kind.VOLUME_INVALID, f.kind());
        assertTrue(f.getMessage().contains("vmdk"), f.getMessage());
        assertNothingLeft("vm");
    }

    @Test
    void aBlockClaimIsNotImportedInto() throws IOException {
        Path image = Files.write(work.resolve("source.img"), new byte[4096]);
        Artifact.ImportDataVolume a = new Artifact.ImportDataVolume("data", "blk", new ImportSource.LocalFile(image, Optional.empty()),
                work.resolve("dev/sdz"), OptionalLong.of(REQUEST), true);
        VmmException e = assertThrows(VmmException.class, () -> run(a));
        assertEquals(VmmException.Kind.SOURCE_UNSUPPORTED, e.kind());
        assertFalse(Files.exists(work.resolve("dev")), "a missing device is not created as a file");
    }

    @Test
    void aBlankBlockClaimIsTheDeviceAsItIsAndNothingIsWritten() throws Exception {
        // A file stands in for the device: what matters is that not one byte of it changes.
        Path device = work.resolve("device");
        byte[] before = new byte[1 << 20];
        java.util.Arrays.fill(before, (byte) 0x5a);
        Files.write(device, before);
        Artifact.ImportDataVolume a = new Artifact.ImportDataVolume("blockdisk", "lab-block-disk", new ImportSource.Blank(),
                device, OptionalLong.of(REQUEST), true);
        DataVolumeImporter.Outcome outcome = run(a);
        assertFalse(outcome.imported(), "nothing was imported");
        assertArrayEquals(before, Files.readAllBytes(device));
        assertFalse(Files.exists(work.resolve(DataVolumeImporter.MARKER)), "no marker beside a device");
    }

    @Test
    void preparingAPlanImportsThroughTheArtifactPreparer() {
        Artifact.ImportDataVolume a = artifact("prep", new ImportSource.Http(url("/disk.qcow2"), Optional.empty()));
        new ArtifactPreparer(qemuImg).prepare(List.of(a));
        assertTrue(Files.isRegularFile(claim("prep")));
        VmmException e = assertThrows(VmmException.class, () -> new ArtifactPreparer(qemuImg).prepare(List.of(
                artifact("prep2", new ImportSource.Blank()),
                artifact("prep3", new ImportSource.Http(url("/missing"), Optional.empty())))));
        assertEquals(VmmException.Kind.IMPORT_SOURCE_NOT_FOUND, e.kind());
        assertNothingLeft("prep2");
        assertNothingLeft("prep3");
    }
}
