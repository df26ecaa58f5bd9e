package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.qmp.command.AddfdInfo;
import dev.qvmm.qmp.command.BlockDeviceInfo;
import dev.qvmm.qmp.command.Cont;
import dev.qvmm.qmp.command.DeviceDel;
import dev.qvmm.qmp.command.FdsetInfo;
import dev.qvmm.qmp.command.QmpSchema;
import dev.qvmm.qmp.command.QomGet;
import dev.qvmm.qmp.command.QueryFdsets;
import dev.qvmm.qmp.command.QueryNamedBlockNodes;
import dev.qvmm.qmp.command.QueryQmpSchema;
import dev.qvmm.qmp.command.QueryStatus;
import dev.qvmm.qmp.command.QueryVersion;
import dev.qvmm.qmp.command.StatusInfo;
import dev.qvmm.qmp.command.Stop;
import dev.qvmm.qmp.command.VersionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a real QEMU 7.2 monitor: what a launcher sees on a host. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QmpClientQemuTest {

    private TestQemu qemu;

    @BeforeEach
    void startQemu() throws Exception {
        qemu = TestQemu.start();
    }

    @AfterEach
    void stopQemu() throws Exception {
        qemu.close();
    }

    @Test
    void negotiatesCapabilitiesAndReportsTheVersion() {
        try (QmpClient qmp = QmpClient.connect(qemu.socket)) {
            QmpGreeting greeting = qmp.greeting();
            assertTrue(greeting.version().atLeast(7, 2), "QEMU " + greeting.version());
            assertTrue(greeting.offers("oob"));
            assertTrue(qmp.oobEnabled(), "oob is offered on a socket monitor, so the client enables it");

            VersionInfo version = qmp.execute(new QueryVersion()).join();
            assertEquals(greeting.version(), version.qemu());

            JsonNode raw = qmp.execute("query-status", null).join();
            assertEquals("prelaunch", raw.path("status").asText());
            StatusInfo typed = qmp.execute(new QueryStatus()).join();
            assertEquals(new StatusInfo(false, "prelaunch"), typed);
        }
    }

    @Test
    void qemuErrorsCarryTheirClassAndLeaveTheConnectionUsable() {
        try (QmpClient qmp = QmpClient.connect(qemu.socket)) {
            QmpException noDevice = failure(qmp.execute(new DeviceDel("no-such-device")));
            assertEquals(QmpException.Kind.COMMAND_ERROR, noDevice.kind());
            assertEquals("DeviceNotFound", noDevice.errorClass());
            assertEquals("device_del", noDevice.command());

            QmpException badArgs = failure(qmp.execute("blockdev-add", Map.of("driver", "no-such-driver", "node-name", "x")));
            assertEquals("GenericError", badArgs.errorClass());

            QmpException unknown = failure(qmp.execute("no-such-command", null));
            assertEquals("CommandNotFound", unknown.errorClass());

            assertEquals("prelaunch", qmp.execute(new QueryStatus()).join().status());
        }
    }

    @Test
    void concurrentCallersEachGetTheirOwnReply() throws Exception {
        int threads = 24;
        int perThread = 8;
        try (QmpClient qmp = QmpClient.connect(qemu.socket)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<String> mismatches = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        String id = "io-" + thread + "-" + i;
                        long poll = 1000L * (thread * perThread + i + 1);
                        qmp.execute("object-add", Map.of("qom-type", "iothread", "id", id, "poll-max-ns", poll)).join();
                        long seen = qmp.execute(new QomGet("/objects/" + id, "poll-max-ns")).join().asLong();
                        if (seen != poll) {
                            mismatches.add(id + ": expected poll-max-ns " + poll + ", got " + seen);
                        }
                    }
                    return mismatches;
                }));
            }
            start.countDown();
            List<String> mismatches = new ArrayList<>();
            for (Future<List<String>> f : results) {
                mismatches.addAll(f.get(50, TimeUnit.SECONDS));
            }
            pool.shutdown();
            assertEquals(List.of(), mismatches);
            assertEquals(threads * perThread, qmp.execute(new dev.qvmm.qmp.command.QueryIothreads()).join().size());
        }
    }

    @Test
    void stopAndResumeEventsArriveInOrder() throws InterruptedException {
        int cycles = 20;
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            expected.add("RESUME");
            expected.add("STOP");
        }
        try (QmpClient qmp = QmpClient.connect(qemu.socket)) {
            List<String> seen = Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(expected.size());
            try (QmpSubscription ignored = qmp.subscribe(java.util.Set.of("STOP", "RESUME"), e -> {
                seen.add(e.name());
                all.countDown();
            })) {
                CompletableFuture<QmpEvent> last = null;
                for (int i = 0; i < cycles; i++) {
                    qmp.execute(new Cont()).join();
                    last = qmp.awaitEvent("STOP", e -> true, Duration.ofSeconds(10));
                    qmp.execute(new Stop()).join();
                    last.join();
                }
                assertEquals("paused", qmp.execute(new QueryStatus()).join().status());
                // The listener runs on its own thread and may lag; closing the subscription would drop what it has not had yet.
                all.await(10, TimeUnit.SECONDS);
            }
            assertEquals(expected, List.copyOf(seen));
        }
    }

    /**
     * blockdev-add of a read-only file node on a FIFO blocks QEMU's main loop in open(2) until a
     * writer appears: in-band commands queue behind it, but exec-oob is served by the monitor's
     * own thread and must answer at once.
     */
    @Test
    void outOfBandCommandsAreAnsweredWhileTheMainLoopIsBlocked() throws Exception {
        Path fifo = qemu.dir.resolve("stuck.fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        try (QmpClient qmp = QmpClient.connect(qemu.socket)) {
            CompletableFuture<JsonNode> stuck = qmp.execute("blockdev-add",
                    Map.of("driver", "file", "node-name", "stuck", "filename", fifo.toString(), "read-only", true));
            CompletableFuture<StatusInfo> queued = qmp.execute(new QueryStatus());

            // migrate-pause is allow-oob; with no migration it answers GenericError, but it answers.
            QmpException oob = failure(qmp.executeOob("migrate-pause", null));
            assertEquals("GenericError", oob.errorClass());
            assertFalse(stuck.isDone(), "blockdev-add should still be blocked in open(2)");
            assertFalse(queued.isDone(), "in-band query-status waits behind blockdev-add");

            // A command QEMU does not allow out of band is refused, proving the exec-oob path.
            assertEquals("GenericError", failure(qmp.executeOob(new QueryStatus())).errorClass());

            try (var writer = Files.newOutputStream(fifo)) {
                queued.get(20, TimeUnit.SECONDS);
            }
            stuck.handle((v, t) -> null).get(20, TimeUnit.SECONDS);
            assertEquals("prelaunch", queued.join().status());
        }
    }

    @Test
    void killingQemuFailsPendingCommandsAtOnce() throws Exception {
        Path fifo = qemu.dir.resolve("stuck.fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        QmpClient qmp = QmpClient.connect(qemu.socket);
        CompletableFuture<JsonNode> stuck = qmp.execute("blockdev-add",
                Map.of("driver", "file", "node-name", "stuck", "filename", fifo.toString(), "read-only", true));
        List<CompletableFuture<StatusInfo>> queued = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            queued.add(qmp.execute(new QueryStatus()));
        }
        assertFalse(stuck.isDone());

        qemu.kill();
        long exited = System.nanoTime();
        QmpException cause = qmp.closeFuture().get(5, TimeUnit.SECONDS);
        long failedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exited);

        assertEquals(QmpException.Kind.DISCONNECTED, cause.kind());
        assertEquals(QmpException.Kind.DISCONNECTED, failure(stuck).kind());
        for (CompletableFuture<StatusInfo> f : queued) {
            assertEquals(QmpException.Kind.DISCONNECTED, failure(f).kind());
        }
        assertTrue(failedAfterMs <= 100, "pending calls failed " + failedAfterMs + " ms after QEMU exited");
        assertFalse(qmp.isConnected());
        assertEquals(QmpException.Kind.DISCONNECTED, failure(qmp.execute(new QueryStatus())).kind());
        qmp.close();
        qmp.close();
    }

    @Test
    void passesFileDescriptorsToQemu() throws Exception {
        Path image = qemu.dir.resolve("disk.img");
        Files.write(image, new byte[1 << 20]);
        int fd = PosixFiles.open(image, PosixFiles.O_RDWR);
        try (QmpClient qmp = QmpClient.connect(qemu.socket)) {
            AddfdInfo added = qmp.addFd(fd, null, "disk-image").join();
            List<FdsetInfo> fdsets = qmp.execute(new QueryFdsets()).join();
            assertEquals("disk-image", fdsets.getFirst().fds().getFirst().opaque());

            String viaFdset = "/dev/fdset/" + added.fdsetId();
            qmp.execute("blockdev-add", Map.of("driver", "file", "node-name", "from-fd", "filename", viaFdset)).join();
            BlockDeviceInfo node = qmp.execute(new QueryNamedBlockNodes(true)).join().stream()
                    .filter(n -> "from-fd".equals(n.nodeName())).findFirst().orElseThrow();
            assertEquals(viaFdset, node.file());
            assertEquals(1 << 20, node.image().virtualSize());

            qmp.getfd("spare", fd).join();
            qmp.execute("closefd", Map.of("fdname", "spare")).join();
            assertEquals("GenericError", failure(qmp.execute("closefd", Map.of("fdname", "spare"))).errorClass());
        } finally {
            PosixFiles.close(fd);
        }
    }

    @Test
    void aSecondClientConnectsAfterTheFirstClosed() {
        QmpClient first = QmpClient.connect(qemu.socket);
        first.execute(new Cont()).join();
        first.execute(new Stop()).join();

        QmpException busy = assertThrows(QmpException.class, () ->
                QmpClient.connect(qemu.socket, QmpOptions.builder().connectTimeout(Duration.ofMillis(500)).build()));
        assertEquals(QmpException.Kind.CONNECT_FAILED, busy.kind(), "QEMU serves one monitor client at a time");

        first.close();
        try (QmpClient second = QmpClient.connect(qemu.socket)) {
            assertEquals("paused", second.execute(new QueryStatus()).join().status());
        }
    }

    @Test
    void connectingToAMissingSocketFailsClearly() {
        QmpException e = assertThrows(QmpException.class, () -> QmpClient.connect(qemu.dir.resolve("nothing.sock")));
        assertEquals(QmpException.Kind.CONNECT_FAILED, e.kind());
        assertTrue(e.getMessage().contains("nothing.sock"), e.getMessage());
    }

    @Test
    void probesTheSchema() {
        try (QmpClient qmp = QmpClient.connect(qemu.socket)) {
            QmpSchema schema = qmp.execute(new QueryQmpSchema()).join();
            assertTrue(schema.hasCommand("blockdev-add"));
            assertTrue(schema.hasEvent("BLOCK_IO_ERROR"));
            assertFalse(schema.hasCommand("no-such-command"));
            assertTrue(schema.acceptsEnumValue("blockdev-add", "aio", "threads"));
            assertFalse(schema.acceptsEnumValue("blockdev-add", "aio", "no-such-mode"));
        }
    }

    static QmpException failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        if (e.getCause() instanceof QmpException q) {
            return q;
        }
        throw new AssertionError("expected a QmpException, got " + e.getCause(), e.getCause());
    }
}
