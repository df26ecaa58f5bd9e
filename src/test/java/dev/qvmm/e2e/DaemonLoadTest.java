package dev.qvmm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounded load and soak on this 2-core machine, loopback only: 20 VMs managed at once (status
 * answers while a long stop runs), and 1000 hotplug/unplug cycles on one VM with no leak of QEMU
 * block nodes, QEMU file descriptors, or daemon threads and descriptors (counted, not assumed).
 */
class DaemonLoadTest {

    private static final int VMS = 20;
    private static final int CYCLES = 1000;
    private static final int WARM_UP = 100;
    /** Descriptors QEMU may add by growing its pools during the measured cycles; far below one per cycle. */
    private static final int QEMU_POOL_SLACK = 8;

    @BeforeAll
    static void buildGuest() throws Exception {
        RunCliTest.guest = ProbeGuest.build();
    }

    /** As in DaemonTest: nothing a failed test started outlives it. */
    @org.junit.jupiter.api.AfterEach
    void killWhatTheTestLeft() throws IOException {
        DaemonTest.killAll();
    }

    private static int count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.count();
        }
    }

    @Test
    void twentyVmsAtOnceAndStatusAnswersWhileAStopWaitsOutItsGracePeriod(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        DaemonTest.Daemon d = DaemonTest.Daemon.start(state);
        ApiCalls api = new ApiCalls(state.resolve("qvmm.sock"));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < VMS; i++) {
            String name = "load-" + i;
            names.add(name);
            // The probe guest idles after its report and has no ACPI daemon: a stop waits out the grace period.
            String spec = RunCliTest.spec(name, "qvmm_stay=1", "", "").replace("memory: 256Mi", "memory: 96Mi").replace("cores: 2", "cores: 1");
            ApiCalls.Answer a = api.call("POST", "/v1/vms", spec);
            assertEquals(201, a.status(), a.raw());
            assertEquals(200, api.call("POST", "/v1/vms/" + name + "/pause", "").status());
        }
        ApiCalls.Answer all = api.call("GET", "/v1/vms", "");
        assertEquals(VMS, all.body().size(), all.raw());
        for (JsonNode vm : all.body()) {
            assertEquals("Paused", vm.path("phase").asText(), vm::toString);
            assertTrue(ProcessHandle.of(vm.path("qemuPid").asLong()).map(ProcessHandle::isAlive).orElse(false), vm::toString);
        }
        assertEquals(200, api.call("POST", "/v1/vms/load-0/resume", "").status());
        CompletableFuture<ApiCalls.Answer> stop = CompletableFuture.supplyAsync(() -> {
            try {
                return api.call("POST", "/v1/vms/load-0/stop?grace=8", "");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!"Stopping".equals(api.call("GET", "/v1/vms/load-0", "").body().path("phase").asText())) {
            assertTrue(System.nanoTime() < deadline, "load-0 never reported Stopping");
            Thread.sleep(50);
        }
        long t0 = System.nanoTime();
        ApiCalls.Answer during = api.call("GET", "/v1/vms/load-0", "");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("Stopping", during.body().path("phase").asText(), during.raw());
        assertTrue(ms < 2000, "status took " + ms + " ms while a stop ran");
        assertTrue(!stop.isDone(), "the stop did not wait for its grace period");
        assertEquals("Succeeded", stop.get().body().path("phase").asText(), stop.get().raw());
        for (String name : names) {
            ApiCalls.Answer del = api.call("DELETE", "/v1/vms/" + name + "?grace=0", "");
            assertEquals(200, del.status(), del.raw());
        }
        assertEquals(0, api.call("GET", "/v1/vms", "").body().size());
        d.kill("TERM");
    }

    @Test
    void aThousandHotplugCyclesLeakNoNodeNoDescriptorNoThread(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path img = state.resolve("claims/soak/disk.img");
        Files.createDirectories(img.getParent());
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        DaemonTest.Daemon d = DaemonTest.Daemon.start(state, "--qmp-passthrough");
        ApiCalls api = new ApiCalls(state.resolve("qvmm.sock"));
        ApiCalls.Answer created = api.call("POST", "/v1/vms", RunCliTest.spec("soak", "qvmm_stay=1", "", ""));
        assertEquals(201, created.status(), created.raw());
        long qemu = api.call("GET", "/v1/vms/soak", "").body().path("qemuPid").asLong();
        long daemon = d.process().pid();
        String add = "{\"volumeName\": \"soak\", \"bus\": \"scsi\"}";
        // Warm-up cycles first: what stays for good is made here (the SCSI controller the first add
        // brings, the daemon's lazily made threads, and QEMU's block thread pool, which settles at six
        // more eventfds after a few dozen cycles, measured). A leak grows with every cycle after it.
        cycles(api, add, WARM_UP);
        int nodes = nodes(api);
        int qemuFds = count(Path.of("/proc/" + qemu + "/fd"));
        int daemonFds = count(Path.of("/proc/" + daemon + "/fd"));
        int daemonThreads = count(Path.of("/proc/" + daemon + "/task"));
        long t0 = System.nanoTime();
        cycles(api, add, CYCLES);
        long perCycleUs = (System.nanoTime() - t0) / 1000 / CYCLES;
        System.out.println("qvmm-soak: " + CYCLES + " hotplug/unplug cycles, " + perCycleUs + " us per cycle through the API");
        assertEquals(nodes, nodes(api), "QEMU block nodes leaked");
        // QEMU grows its worker pools (each with its eventfds) on demand, up to a bound, by how many
        // requests happen to overlap: a few more descriptors after a faster run are that (seen: 3).
        // A leak is one or more per cycle, so CYCLES more.
        int qemuFdsAfter = count(Path.of("/proc/" + qemu + "/fd"));
        System.out.println("qvmm-soak: QEMU descriptors " + qemuFds + " before, " + qemuFdsAfter + " after");
        assertTrue(qemuFdsAfter <= qemuFds + QEMU_POOL_SLACK, "QEMU file descriptors leaked: " + qemuFds + " then " + qemuFdsAfter);
        assertTrue(count(Path.of("/proc/" + daemon + "/fd")) <= daemonFds + 2, "daemon file descriptors leaked");
        assertTrue(count(Path.of("/proc/" + daemon + "/task")) <= daemonThreads + 2, "daemon threads leaked");
        assertEquals(200, api.call("DELETE", "/v1/vms/soak?grace=0", "").status());
        d.kill("TERM");
    }

    private static void cycles(ApiCalls api, String add, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            ApiCalls.Answer a = api.call("POST", "/v1/vms/soak/volumes", add);
            assertEquals(200, a.status(), () -> "add " + a.raw());
            ApiCalls.Answer r = api.call("DELETE", "/v1/vms/soak/volumes/soak", "");
            assertEquals(200, r.status(), () -> "remove " + r.raw());
        }
    }

    private static int nodes(ApiCalls api) throws IOException {
        ApiCalls.Answer a = api.call("POST", "/v1/vms/soak/qmp", "{\"execute\": \"query-named-block-nodes\", \"arguments\": {\"flat\": true}}");
        assertEquals(200, a.status(), a.raw());
        return a.body().path("return").size();
    }
}
