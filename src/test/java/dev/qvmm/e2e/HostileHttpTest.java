package dev.qvmm.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static dev.qvmm.e2e.RawHttp.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's HTTP API against a hostile client, one request per case, on a real daemon
 * ({@code scripts/qvmm daemon}, its own process) and its real Unix socket; no guest boots. Every
 * case has its status (or a closed connection), a deadline, no internal text in the answer, and
 * the daemon still alive after it. Names that no VM, volume or disk can have are refused before
 * anything looks them up; at the end not a file was created anywhere under the test's directory,
 * inside the daemon's state directory or beside it (where the traversals aim).
 */
class HostileHttpTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** The daemon's own limits (ApiLimits), as a client meets them. */
    private static final int MAX_BODY = 4 << 20;
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(10);
    private static final String VM = "hostile";

    @TempDir
    static Path dir;
    private static DaemonTest.Daemon daemon;
    private static RawHttp http;
    private static Set<String> filesBefore;

    @BeforeAll
    static void startDaemonWithOneHaltedVm() throws Exception {
        Path state = dir.resolve("state");
        Files.createDirectories(dir.resolve("outside"));
        Files.writeString(dir.resolve("outside/marker"), "traversals aim here");
        daemon = DaemonTest.Daemon.start(state);
        http = new RawHttp(state.resolve("qvmm.sock"));
        String spec = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: %s}
                spec:
                  runStrategy: Halted
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices: {disks: [{name: scratch, disk: {bus: virtio}}, {name: cd, cdrom: {bus: sata}}]}
                      volumes: [{name: scratch, emptyDisk: {capacity: 1Mi}}, {name: cd, emptyDisk: {capacity: 1Mi}}]
                """.formatted(VM);
        RawHttp.Reply created = http.exchange(post("/v1/vms", spec), DEADLINE);
        assertEquals(201, created.status(), created.text());
        filesBefore = files(dir);
    }

    @AfterAll
    static void nothingWasCreatedAndTheDaemonLives() throws Exception {
        try {
            assertTrue(daemon.process().isAlive(), daemon::log);
            assertEquals(filesBefore, files(dir), "files appeared or went under " + dir);
            assertEquals(200, http.exchange(get("/v1/vms"), DEADLINE).status());
        } finally {
            daemon.process().destroyForcibly();
        }
    }

    private static Set<String> files(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            // the daemon's log grows; its name stays
            return all.map(p -> root.relativize(p).toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    static byte[] get(String path) {
        return request("GET", path, "");
    }

    static byte[] post(String path, String body) {
        return request("POST", path, body);
    }

    static byte[] request(String method, String path, String body) {
        byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return concat(ascii(method + " " + path + " HTTP/1.1\r\nHost: qvmm\r\nContent-Length: " + b.length + "\r\n\r\n"), b);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** The answer is the expected status, says nothing of the daemon's insides, and the daemon lives on. */
    private static void expect(RawHttp.Reply r, int... statuses) {
        assertTrue(java.util.Arrays.stream(statuses).anyMatch(s -> s == r.status()),
                () -> "expected " + java.util.Arrays.toString(statuses) + ", got " + r.text());
        assertFalse(r.body().contains("Exception") || r.body().contains("at dev.qvmm") || r.body().contains("\"INTERNAL\""), r::text);
        assertTrue(daemon.process().isAlive(), daemon::log);
    }

    static Stream<Arguments> badNamesInEveryPosition() {
        String longName = "a".repeat(300);
        return Stream.of(
                Arguments.of("GET", "/v1/vms/..", 404),
                Arguments.of("GET", "/v1/vms/%2E%2E", 404),
                Arguments.of("GET", "/v1/vms/..%2F..%2Foutside%2Fmarker", 404),
                Arguments.of("DELETE", "/v1/vms/..%2F..%2Foutside", 404),
                Arguments.of("DELETE", "/v1/vms/..%2Fvms%2F" + VM, 404),
                Arguments.of("POST", "/v1/vms/..%2F..%2Foutside/start", 404),
                Arguments.of("POST", "/v1/vms/%2Ftmp/stop", 404),
                Arguments.of("GET", "/v1/vms/" + VM + "%00", 404),
                Arguments.of("GET", "/v1/vms/a%01b", 404),
                Arguments.of("DELETE", "/v1/vms/a%0D%0AX-Injected:%201", 404),
                Arguments.of("GET", "/v1/vms/" + longName, 404),
                Arguments.of("GET", "/v1/vms/" + "a".repeat(64), 404),
                Arguments.of("GET", "/v1/vms/HOSTILE", 404),
                Arguments.of("GET", "/v1/vms/h%D0%BEstile", 404),
                Arguments.of("GET", "/v1/vms/%EF%BD%88ostile", 404),
                Arguments.of("GET", "/v1/vms/-hostile", 404),
                Arguments.of("GET", "/v1/vms/host_ile", 404),
                Arguments.of("DELETE", "/v1/vms/" + VM + "/volumes/..%2F..%2F..%2Foutside", 404),
                Arguments.of("DELETE", "/v1/vms/" + VM + "/volumes/a%00b", 404),
                Arguments.of("DELETE", "/v1/vms/" + VM + "/volumes/" + longName, 404),
                Arguments.of("POST", "/v1/vms/" + VM + "/media/..%2F..%2Foutside/eject", 404),
                Arguments.of("POST", "/v1/vms/" + VM + "/media/c%2Fd/eject", 404),
                Arguments.of("POST", "/v1/vms/" + VM + "/media/c%E2%80%8Bd/eject", 404),
                Arguments.of("GET", "/v1/vms/nosuch", 404),
                Arguments.of("GET", "/etc/passwd", 404),
                Arguments.of("GET", "/v1/../../etc/passwd", 404),
                Arguments.of("PUT", "/v1/vms", 404),
                // the VM exists but does not run: the truth is a conflict, not a missing thing
                Arguments.of("POST", "/v1/vms/" + VM + "/media/cd/eject", 409),
                Arguments.of("DELETE", "/v1/vms/" + VM + "/volumes/scratch", 409),
                Arguments.of("POST", "/v1/vms/" + VM + "/qmp", 403),
                Arguments.of("GET", "/v1/vms/%zz", 400),
                Arguments.of("GET", "/v1/vms/%", 400),
                Arguments.of("GET", "/v1/vms/%4", 400),
                Arguments.of("GET", "/v1/vms?x=%zz", 400),
                Arguments.of("POST", "/v1/vms/" + VM + "/stop?grace=-1", 400),
                Arguments.of("POST", "/v1/vms/" + VM + "/stop?grace=abc", 400),
                Arguments.of("POST", "/v1/vms/" + VM + "/restart?grace=99999999999999999999", 400),
                Arguments.of("POST", "/v1/vms/" + VM + "/stop?grace=86401", 400),
                Arguments.of("POST", "/v1/vms/" + VM + "/stop?grace=1.5", 400),
                Arguments.of("POST", "/v1/vms/" + VM + "/stop?grace=5&grace=6", 400),
                Arguments.of("DELETE", "/v1/vms/" + VM + "?grace=-5", 400),
                Arguments.of("GET", "/v1/vms/" + VM, 200));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource
    void badNamesInEveryPosition(String method, String path, int status) throws IOException {
        RawHttp.Reply r = http.exchange(request(method, path, ""), DEADLINE);
        expect(r, status);
        if (status == 400 && path.contains("grace")) {
            assertTrue(r.body().contains("grace"), r::text);
        }
    }

    static Stream<Arguments> brokenHttp() {
        return Stream.of(
                Arguments.of("HTTP/9.9", "GET /v1/vms HTTP/9.9\r\nHost: q\r\n\r\n", new int[] {505}),
                Arguments.of("HTTP/2.0", "GET /v1/vms HTTP/2.0\r\nHost: q\r\n\r\n", new int[] {505}),
                Arguments.of("HTTP/1.X", "GET /v1/vms HTTP/1.X\r\nHost: q\r\n\r\n", new int[] {400}),
                Arguments.of("not HTTP", "GARBAGE\r\n\r\n", new int[] {400}),
                Arguments.of("no version", "GET /v1/vms\r\n\r\n", new int[] {400}),
                Arguments.of("NUL in the request line", "GET /v1/vms/a\0b HTTP/1.1\r\nHost: q\r\n\r\n", new int[] {400, 404}),
                Arguments.of("control byte in a header name", "GET /v1/vms HTTP/1.1\r\nHo\u0001st: q\r\n\r\n", new int[] {400}),
                Arguments.of("header without colon", "GET /v1/vms HTTP/1.1\r\nHost q\r\n\r\n", new int[] {400}),
                Arguments.of("Content-Length not a number", "POST /v1/vms HTTP/1.1\r\nContent-Length: abc\r\n\r\n", new int[] {400}),
                Arguments.of("Content-Length negative", "POST /v1/vms HTTP/1.1\r\nContent-Length: -1\r\n\r\n", new int[] {400}),
                Arguments.of("two Content-Lengths", "POST /v1/vms HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", new int[] {400}),
                Arguments.of("bad chunk size", "POST /v1/vms HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", new int[] {400}),
                Arguments.of("body not YAML", "POST /v1/vms HTTP/1.1\r\nContent-Length: 8\r\n\r\n{[}:\0\u0001\u00ff]", new int[] {422}),
                Arguments.of("volume request not JSON", "POST /v1/vms/" + VM + "/volumes HTTP/1.1\r\nContent-Length: 4\r\n\r\n{{{{", new int[] {400}),
                Arguments.of("Content-Length over the limit, no body sent", "POST /v1/vms HTTP/1.1\r\nContent-Length: 15000000\r\n\r\n", new int[] {413}),
                Arguments.of("Content-Length of 2^63", "POST /v1/vms HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", new int[] {413}),
                Arguments.of("Content-Length beyond 2^63", "POST /v1/vms HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", new int[] {400, 413}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void brokenHttp(String label, String request, int[] statuses) throws IOException {
        expect(http.exchange(ascii(request), DEADLINE), statuses);
    }

    /** Names in the body that would be paths: refused as an invalid spec, and no directory appears (checked at the end). */
    @ParameterizedTest(name = "metadata.name {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"..", "../outside", "/tmp/x", "a\\0b", "."})
    void aSpecWhoseNameWouldBeAPathIs422(String name) throws IOException {
        expect(http.exchange(post("/v1/vms", HaltedVm.named('"' + name + '"')), DEADLINE), 422);
    }

    @Test
    void aHundredKilobyteUriIs414AndClosed() throws IOException {
        expect(http.exchange(get("/v1/vms/" + "a".repeat(100_000)), DEADLINE), 414);
    }

    @Test
    void aSixtyFourKilobyteHeaderIs431AndClosed() throws IOException {
        expect(http.exchange(ascii("GET /v1/vms HTTP/1.1\r\nX-Big: " + "a".repeat(64 << 10) + "\r\n\r\n"), DEADLINE), 431);
    }

    @Test
    void threeThousandSmallHeadersAre431() throws IOException {
        expect(http.exchange(ascii("GET /v1/vms HTTP/1.1\r\n" + "X-A: b\r\n".repeat(3000) + "\r\n"), DEADLINE), 431);
    }

    @Test
    void aHundredMegabyteBodyIs413AndTheConnectionClosesAtOnce() throws IOException {
        RawHttp.Reply r = http.exchange(ascii("POST /v1/vms HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n"), 100_000_000L, false, DEADLINE);
        expect(r, 413);
        assertTrue(r.millis() < 5_000, "413 and close took " + r.millis() + " ms");
    }

    @Test
    void qvmmCreateOfASpecOverTheLimitSaysSoInsteadOfABrokenPipe() throws Exception {
        // outside the test's directory, whose files are compared at the end
        Path big = Files.createTempFile("hostile-big", ".yaml");
        try {
            Files.writeString(big, "# " + "x".repeat(5 << 20) + "\n");
            QvmmCli.Result r = daemon.cli("create", big.toString());
            assertEquals(1, r.exitCode(), r::toString);
            assertTrue(r.stderr().contains("larger than " + MAX_BODY + " bytes"), r::toString);
        } finally {
            Files.deleteIfExists(big);
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIs413WhileItStreams() throws IOException {
        RawHttp.Reply r = http.exchange(ascii("POST /v1/vms HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 100_000_000L, true, DEADLINE);
        expect(r, 413);
    }

    @Test
    void aBodyOneByteOverTheLimitIs413() throws IOException {
        expect(http.exchange(ascii("POST /v1/vms HTTP/1.1\r\nContent-Length: " + (MAX_BODY + 1) + "\r\n\r\n"), MAX_BODY + 1, false, DEADLINE), 413);
    }

    @Test
    void aBodyAtTheLimitIsReadAndJudgedAsASpec() throws IOException {
        // 4 MiB of 'a' is one YAML scalar, no VM: unreadable as a spec, not too large
        expect(http.exchange(ascii("POST /v1/vms HTTP/1.1\r\nContent-Length: " + MAX_BODY + "\r\n\r\n"), MAX_BODY, false, DEADLINE), 422);
    }

    @Test
    void aHeadThatNeverEndsIs408AfterTheHeaderTimeout() throws IOException {
        RawHttp.Reply r = http.exchange(ascii("GET /v1/vms HTTP/1.1\r\nHost: q\r\n"), DEADLINE);
        expect(r, 408);
        assertTrue(r.millis() >= HEADER_TIMEOUT.toMillis() - 500, r.millis() + " ms");
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() throws IOException {
        RawHttp.Reply r = http.exchange(new byte[0], DEADLINE);
        expect(r, 408);
    }

    @Test
    void aHeadTrickledByteByByteIsCutAtTheHeaderTimeout() throws Exception {
        // a byte every 300 ms never lets the connection idle, yet the head is due 10 s after connect
        RawHttp.Reply r = http.trickle(ascii("GET /v1/vms HTTP/1.1\r\n" + "X-Slow: a\r\n".repeat(100) + "\r\n"), Duration.ofMillis(300), DEADLINE);
        expect(r, 408);
        assertTrue(r.millis() < HEADER_TIMEOUT.toMillis() + 3_000, r.millis() + " ms");
    }

    @Test
    void aBodyThatStallsIs408AfterTheIdleTimeout() throws IOException {
        RawHttp.Reply r = http.exchange(ascii("POST /v1/vms HTTP/1.1\r\nContent-Length: 1000\r\n\r\nkind: Virtual"), DEADLINE);
        expect(r, 408);
    }
}
