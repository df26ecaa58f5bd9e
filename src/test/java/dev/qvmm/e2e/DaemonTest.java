package dev.qvmm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code qvmm daemon} and its virtctl-like CLI, with the probe guest: guests outlive the daemon
 * (SIGKILL or SIGTERM) and are adopted by the next one with their I/O never stopping; lifecycle
 * operations; what a guest that died meanwhile looks like; bad input.
 */
class DaemonTest {

    private static final Duration CLI = Duration.ofSeconds(60);
    private static final Pattern TICK = Pattern.compile("QVMM tick n=(\\d+) up=([0-9.]+)");
    private static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
        RunCliTest.guest = guest;
    }

    /** Every daemon a test started, for {@link #killWhatTheTestLeft()}. */
    private static final List<Daemon> STARTED = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * Guests and their helpers outlive a daemon by design, so a test that fails halfway would
     * leave them running: after each test, every daemon it started and every QEMU or virtiofsd
     * under its state directory is killed.
     */
    @org.junit.jupiter.api.AfterEach
    void killWhatTheTestLeft() throws IOException {
        killAll();
    }

    static void killAll() throws IOException {
        List<Daemon> daemons;
        synchronized (STARTED) {
            daemons = List.copyOf(STARTED);
            STARTED.clear();
        }
        for (Daemon d : daemons) {
            d.process().destroyForcibly();
            Path run = d.state().resolve("run");
            if (!Files.isDirectory(run)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(run)) {
                for (Path pidFile : files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
                    try {
                        long pid = Long.parseLong(Files.readString(pidFile).strip());
                        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.ISO_8859_1);
                        if (cmdline.contains(d.state().toString()) || cmdline.contains("virtiofsd")) {
                            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    } catch (IOException | NumberFormatException gone) {
                        // no such process any more
                    }
                }
            }
        }
    }

    /** A {@code scripts/qvmm daemon} in the background. */
    record Daemon(Process process, Path state, Path stderr) {
        static Daemon start(Path state, String... options) throws Exception {
            Files.createDirectories(state);
            Path err = Files.createTempFile(state, "daemon", ".err");
            List<String> argv = new ArrayList<>(List.of(QvmmCli.CHECKOUT.resolve("scripts/qvmm").toString(), "daemon",
                    "--state-dir", state.toString(), "--allow-path", "/"));
            argv.addAll(List.of(options));
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().put("QVMM_SKIP_BUILD", "1");
            Daemon d = new Daemon(pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start(), state, err);
            STARTED.add(d);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(err).contains("listening on")) {
                assertTrue(d.process.isAlive(), () -> "the daemon exited: " + d.log());
                assertTrue(System.nanoTime() < deadline, () -> "the daemon never listened: " + d.log());
                Thread.sleep(20);
            }
            return d;
        }

        QvmmCli.Result cli(String... args) throws Exception {
            List<String> argv = new ArrayList<>(List.of(args));
            argv.addAll(1, List.of("--state-dir", state.toString()));
            return QvmmCli.run(CLI, argv.toArray(String[]::new));
        }

        JsonNode status(String vm) throws Exception {
            QvmmCli.Result r = cli("status", vm);
            assertEquals(0, r.exitCode(), r::toString);
            return new ObjectMapper().readTree(r.stdout());
        }

        Path console(String vm) {
            return state.resolve("run").resolve(vm).resolve("console.log");
        }

        void kill(String signal) throws Exception {
            new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start().waitFor();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), () -> "the daemon did not exit on SIG" + signal + ": " + log());
        }

        String log() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    /** The guest's ticks so far, from its console: {n, uptime in ms}. */
    private static List<long[]> ticks(Path console) throws IOException {
        List<long[]> ticks = new ArrayList<>();
        if (!Files.exists(console)) {
            return ticks;
        }
        Matcher m = TICK.matcher(Files.readString(console, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            ticks.add(new long[]{Long.parseLong(m.group(1)), Math.round(Double.parseDouble(m.group(2)) * 1000)});
        }
        return ticks;
    }

    private static long awaitTick(Path console, long n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ProbeGuest.BOOT_DEADLINE_SECONDS);
        while (true) {
            List<long[]> t = ticks(console);
            if (!t.isEmpty() && t.getLast()[0] >= n) {
                return t.getLast()[0];
            }
            assertTrue(System.nanoTime() < deadline, () -> "the guest never ticked " + n + " times:\n" + read(console));
            Thread.sleep(100);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void aGuestOutlivesTheDaemonsSigkillAndItsIoNeverStops(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path disk = dir.resolve("tick.raw");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        Path yaml = dir.resolve("tick.yaml");
        Files.writeString(yaml, RunCliTest.spec("tick", "qvmm_tick=vdb",
                "      - {name: data, disk: {bus: virtio}, serial: DATA}\n      - {name: metrics, disk: {bus: virtio}}",
                "  - {name: data, hostDisk: {path: " + disk + ", type: Disk}}\n  - {name: metrics, downwardMetrics: {}}"));
        Daemon first = Daemon.start(state);
        QvmmCli.Result created = first.cli("create", yaml.toString());
        assertEquals(0, created.exitCode(), created::toString);
        assertTrue(created.stdout().contains("tick Running"), created::toString);
        long pid = first.status("tick").path("qemuPid").asLong();
        Path console = first.console("tick");
        long before = awaitTick(console, 3);

        first.kill("KILL");
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "QEMU died with the daemon");
        long alone = awaitTick(console, before + 3);

        Daemon second = Daemon.start(state);
        assertTrue(second.log().contains("block graph as saved"), second::log);
        JsonNode adopted = second.status("tick");
        assertEquals("Running", adopted.path("phase").asText(), adopted::toString);
        assertEquals("Adopted", adopted.path("reason").asText(), adopted::toString);
        assertEquals(pid, adopted.path("qemuPid").asLong(), "the adopted VM is another QEMU");
        // The new daemon took over the downwardMetrics writer: the disk QEMU has open keeps changing.
        assertTrue(second.log().contains("resumed 1 companions"), second::log);
        Path metrics = state.resolve("run/tick/downward-metrics/metrics.raw");
        byte[] was = Files.readAllBytes(metrics);
        long metricsDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (java.util.Arrays.equals(was, Files.readAllBytes(metrics))) {
            assertTrue(System.nanoTime() < metricsDeadline, "the downwardMetrics disk stopped changing after the adoption");
            Thread.sleep(200);
        }
        assertEquals("mvbd", new String(Files.readAllBytes(metrics), 0, 4, StandardCharsets.US_ASCII));
        long after = awaitTick(console, alone + 3);

        // The guest's clock says its disk writes never stalled, across the kill and the adoption.
        List<long[]> t = ticks(console);
        for (int i = 1; i < t.size(); i++) {
            assertEquals(t.get(i - 1)[0] + 1, t.get(i)[0], "ticks are missing:\n" + read(console));
            assertTrue(t.get(i)[1] - t.get(i - 1)[1] < 4000, "the guest stalled for "
                    + (t.get(i)[1] - t.get(i - 1)[1]) + " ms before tick " + t.get(i)[0] + ":\n" + read(console));
        }
        byte[] head = new byte[8];
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            f.readFully(head);
        }
        assertTrue(Long.parseLong(new String(head, StandardCharsets.US_ASCII)) >= after,
                "the disk holds tick " + new String(head, StandardCharsets.US_ASCII) + ", the console said " + after);

        // The console, attached through the daemon: the guest's ticks stream out; a second attach is refused.
        Path attached = dir.resolve("console.out");
        ProcessBuilder pb = new ProcessBuilder(QvmmCli.CHECKOUT.resolve("scripts/qvmm").toString(), "console", "--state-dir",
                state.toString(), "tick").redirectOutput(attached.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("QVMM_SKIP_BUILD", "1");
        Process console1 = pb.start();
        try {
            awaitTick(attached, ticks(console).getLast()[0] + 2);
            QvmmCli.Result second1 = second.cli("console", "tick");
            assertEquals(1, second1.exitCode(), second1::toString);
            assertTrue(second1.stderr().contains("attached elsewhere"), second1::toString);
        } finally {
            console1.destroy();
            console1.waitFor(10, TimeUnit.SECONDS);
        }

        QvmmCli.Result paused = second.cli("pause", "tick");
        assertTrue(paused.stdout().contains("tick Paused"), paused::toString);
        QvmmCli.Result resumed = second.cli("resume", "tick");
        assertTrue(resumed.stdout().contains("tick Running Resumed"), resumed::toString);
        awaitTick(console, ticks(console).getLast()[0] + 2);

        QvmmCli.Result stopped = second.cli("stop", "--grace", "5", "tick");
        assertTrue(stopped.stdout().contains("tick Succeeded"), stopped::toString);
        RunCliTest.assertGone(pid);
        QvmmCli.Result deleted = second.cli("delete", "tick");
        assertEquals(0, deleted.exitCode(), deleted::toString);
        QvmmCli.Result ps = second.cli("ps");
        assertFalse(ps.stdout().contains("tick"), ps::toString);
        assertTrue(Files.exists(disk), "deleting the VM deleted its host disk");
        assertFalse(Files.exists(state.resolve("vms").resolve("tick")), "the VM's record stayed");
        second.kill("TERM");
        assertFalse(Files.exists(state.resolve("qvmm.sock")), "the stopped daemon left its socket");
    }

    private static void claim(Path state, String name, long bytes) throws IOException {
        Path img = state.resolve("claims").resolve(name).resolve("disk.img");
        Files.createDirectories(img.getParent());
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(bytes);
        }
    }

    /** Waits for the console to show {@code text} at least {@code times} times. */
    static void awaitConsole(Path console, String text, int times) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ProbeGuest.BOOT_DEADLINE_SECONDS);
        while (read(console).split(Pattern.quote(text), -1).length - 1 < times) {
            assertTrue(System.nanoTime() < deadline, () -> "the guest never said \"" + text + "\" " + times + " times:\n" + read(console));
            Thread.sleep(100);
        }
    }

    @Test
    void volumesHotpluggedAndUnpluggedAreSeenByTheGuestAcrossADaemonRestart(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        claim(state, "hp-virtio", 32L << 20);
        claim(state, "hp-scsi", 48L << 20);
        claim(state, "hp-kept", 40L << 20);
        Path yaml = dir.resolve("hp.yaml");
        Files.writeString(yaml, RunCliTest.spec("hp", "qvmm_hotplug=1", "", ""));
        Daemon first = Daemon.start(state, "--qmp-passthrough");
        assertEquals(0, first.cli("create", yaml.toString()).exitCode());
        Path console = first.console("hp");
        awaitConsole(console, "QVMM done", 1);

        QvmmCli.Result virtio = first.cli("addvolume", "hp", "--volume-name", "hp-virtio", "--bus", "virtio");
        assertEquals(0, virtio.exitCode(), virtio::toString);
        awaitConsole(console, "serial=hp-virtio", 1);
        assertTrue(read(console).contains("size=33554432 ro=0 removable=0 serial=hp-virtio"), () -> read(console));
        QvmmCli.Result scsi = first.cli("addvolume", "hp", "--volume-name", "hp-scsi", "--serial", "SCSI-HP");
        assertEquals(0, scsi.exitCode(), scsi::toString);
        awaitConsole(console, "serial=SCSI-HP", 1);
        assertTrue(read(console).matches("(?s).*size=50331648 .*serial=SCSI-HP .*transport=virtio-scsi.*"), () -> read(console));

        // A retry of the same add is answered as the first; other settings for the same name are refused.
        assertEquals(0, first.cli("addvolume", "hp", "--volume-name", "hp-scsi", "--serial", "SCSI-HP").exitCode());
        QvmmCli.Result clash = first.cli("addvolume", "hp", "--volume-name", "hp-scsi", "--bus", "virtio");
        assertEquals(1, clash.exitCode(), clash::toString);
        assertTrue(clash.stderr().contains("already attached with other settings"), clash::toString);
        // Two spare root ports were planned: the virtio disk took one, the SCSI controller the other.
        QvmmCli.Result full = first.cli("addvolume", "hp", "--volume-name", "hp-kept", "--bus", "virtio");
        assertEquals(1, full.exitCode(), full::toString);
        assertTrue(full.stderr().contains("no spare pcie-root-port left") && full.stderr().contains("spareRootPorts"), full::toString);
        QvmmCli.Result notHotplugged = first.cli("removevolume", "hp", "--volume-name", "scratch");
        assertTrue(notHotplugged.stderr().contains("was not hotplugged"), notHotplugged::toString);
        QvmmCli.Result unknown = first.cli("removevolume", "hp", "--volume-name", "nosuch");
        assertTrue(unknown.stderr().contains("has no volume \"nosuch\""), unknown::toString);

        // A node the old daemon added but never recorded (as if it died mid-add) is deleted by the next one.
        ApiCalls.Answer stray = new ApiCalls(state.resolve("qvmm.sock")).call("POST", "/v1/vms/hp/qmp",
                "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"null-co\", \"node-name\": \"stray\"}}");
        assertEquals(200, stray.status(), stray.raw());
        first.kill("KILL");
        Daemon second = Daemon.start(state);
        assertTrue(second.log().contains("deleted unfinished nodes [stray]"), second::log);
        QvmmCli.Result removed = second.cli("removevolume", "hp", "--volume-name", "hp-virtio");
        assertEquals(0, removed.exitCode(), removed::toString);
        awaitConsole(console, "QVMM removed name=vdb", 1);
        assertEquals(0, second.cli("removevolume", "hp", "--volume-name", "hp-scsi").exitCode());
        awaitConsole(console, "QVMM removed name=sda", 1);
        // Adding it again works only if every node of the first attach was deleted (else "Duplicate node name").
        QvmmCli.Result again = second.cli("addvolume", "hp", "--volume-name", "hp-virtio", "--bus", "virtio");
        assertEquals(0, again.exitCode(), again::toString);
        awaitConsole(console, "serial=hp-virtio", 2);

        // --persist puts the disk into the stored spec: it is there at the next start.
        QvmmCli.Result kept = second.cli("addvolume", "hp", "--volume-name", "hp-kept", "--persist");
        assertEquals(0, kept.exitCode(), kept::toString);
        assertTrue(Files.readString(state.resolve("vms/hp/spec.yaml")).contains("hp-kept"), "--persist did not store the disk");
        QvmmCli.Result stopped = second.cli("stop", "--grace", "5", "hp");
        assertEquals(0, stopped.exitCode(), stopped::toString);
        QvmmCli.Result started = second.cli("start", "hp");
        assertEquals(0, started.exitCode(), () -> started + second.log());
        awaitConsole(console, "QVMM done", 1);
        String boot = read(console);
        assertTrue(boot.contains("serial=hp-kept"), "the persisted volume is missing after a restart:\n" + boot);
        assertFalse(boot.contains("serial=hp-virtio"), "a volume hotplugged without --persist came back after a restart:\n" + boot);
        assertEquals(0, second.cli("delete", "--grace", "5", "hp").exitCode());
        assertTrue(Files.exists(state.resolve("claims/hp-kept/disk.img")), "deleting the VM deleted a claim");
        second.kill("TERM");
    }

    private static void exec(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, () -> String.join(" ", argv) + " failed: " + out);
    }

    private static JsonNode awaitPhase(Daemon d, String vm, String phase) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ProbeGuest.BOOT_DEADLINE_SECONDS);
        while (true) {
            JsonNode s = d.status(vm);
            if (s.path("phase").asText().equals(phase)) {
                return s;
            }
            assertTrue(System.nanoTime() < deadline, () -> vm + " never became " + phase + ", last: " + s);
            Thread.sleep(200);
        }
    }

    /**
     * One running guest goes through a real ENOSPC (its disk on a full tmpfs: errorPolicy stop
     * pauses it, naming the disk, and resume continues once the host made room), a CD-ROM eject
     * and media change, and a claim image grown on the host (expandDisks: block_resize).
     */
    @Test
    void ioErrorPauseAndResumeMediaChangeAndClaimExpansionOnARunningGuest(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        claim(state, "grow", 32L << 20);
        Path small = dir.resolve("small");
        Files.createDirectories(small);
        Files.createDirectories(dir.resolve("iso-a"));
        Files.createDirectories(dir.resolve("iso-b"));
        Files.writeString(dir.resolve("iso-a/a.txt"), "a");
        Files.write(dir.resolve("iso-b/b.bin"), new byte[3 << 20]);
        exec("xorriso", "-as", "mkisofs", "-quiet", "-o", dir.resolve("a.iso").toString(), dir.resolve("iso-a").toString());
        exec("xorriso", "-as", "mkisofs", "-quiet", "-o", dir.resolve("b.iso").toString(), dir.resolve("iso-b").toString());
        long bSize = Files.size(dir.resolve("b.iso"));
        exec("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", small.toString());
        try {
            Path full = small.resolve("full.img");
            try (RandomAccessFile f = new RandomAccessFile(full.toFile(), "rw")) {
                f.setLength(64L << 20);
            }
            Path filler = small.resolve("filler");
            Files.write(filler, new byte[20 << 20]);
            Path yaml = dir.resolve("live.yaml");
            Files.writeString(yaml, RunCliTest.spec("live", "qvmm_fill=vdb qvmm_hotplug=1",
                    "      - {name: full, disk: {bus: virtio}, errorPolicy: stop}\n"
                            + "      - {name: grow, disk: {bus: virtio}, serial: GROW}\n"
                            + "      - {name: cd, cdrom: {bus: sata}}",
                    "  - {name: full, hostDisk: {path: " + full + ", type: Disk}}\n"
                            + "  - {name: grow, persistentVolumeClaim: {claimName: grow}}\n"
                            + "  - {name: cd, hostDisk: {path: " + dir.resolve("a.iso") + ", type: Disk}}"));
            Daemon d = Daemon.start(state, "--expand-disks");
            QvmmCli.Result created = d.cli("create", yaml.toString());
            assertEquals(0, created.exitCode(), created::toString);
            Path console = d.console("live");

            JsonNode paused = awaitPhase(d, "live", "Paused");
            assertEquals("IOError", paused.path("reason").asText(), paused::toString);
            assertEquals("IOError", paused.path("conditions").get(1).path("reason").asText(), paused::toString);
            assertEquals("False", paused.path("conditions").get(0).path("status").asText(), paused::toString);
            assertTrue(paused.path("message").asText().contains("full") && paused.path("message").asText().contains("No space"),
                    paused::toString);
            Files.delete(filler);
            QvmmCli.Result resumed = d.cli("resume", "live");
            assertTrue(resumed.stdout().contains("live Running"), resumed::toString);
            awaitConsole(console, "QVMM fill dev=vdb bytes=8388608", 1);
            awaitConsole(console, "QVMM done", 1);

            assertEquals(0, d.cli("eject", "live", "--disk", "cd").exitCode());
            awaitConsole(console, "QVMM changed name=sr0 size=0", 1);
            QvmmCli.Result inserted = d.cli("insert", "live", "--disk", "cd", "--path", dir.resolve("b.iso").toString());
            assertEquals(0, inserted.exitCode(), inserted::toString);
            awaitConsole(console, "QVMM changed name=sr0 size=" + bSize, 1);
            QvmmCli.Result noDrive = d.cli("eject", "live", "--disk", "grow");
            assertTrue(noDrive.stderr().contains("has no CD-ROM \"grow\"; its CD-ROMs: cd"), noDrive::toString);

            try (RandomAccessFile f = new RandomAccessFile(state.resolve("claims/grow/disk.img").toFile(), "rw")) {
                f.setLength(64L << 20);
            }
            awaitConsole(console, "QVMM changed name=vdc size=" + (64L << 20), 1);

            assertEquals(0, d.cli("delete", "--grace", "5", "live").exitCode());
            d.kill("TERM");
        } finally {
            exec("umount", "-l", small.toString());
        }
    }

    /**
     * --qemu-user: QEMU drops to nobody after start-up, so it cannot open a root-only claim itself
     * (shown through the QMP passthrough); hotplug and media changes still work because the
     * daemon opens the images and passes descriptors.
     */
    @Test
    void aQemuRunningAsNobodyGetsLaterImagesAsDescriptors(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        claim(state, "private", 40L << 20);
        Path img = state.resolve("claims/private/disk.img");
        Files.setPosixFilePermissions(img, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path yaml = dir.resolve("nobody.yaml");
        Files.writeString(yaml, RunCliTest.spec("nobody", "qvmm_hotplug=1", "", ""));
        Daemon d = Daemon.start(state, "--qemu-user", "nobody", "--qmp-passthrough");
        QvmmCli.Result created = d.cli("create", yaml.toString());
        assertEquals(0, created.exitCode(), created::toString);
        long pid = d.status("nobody").path("qemuPid").asLong();
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/status")).matches("(?s).*\nUid:\t65534\t65534\t.*"),
                "QEMU does not run as nobody");
        Path console = d.console("nobody");
        awaitConsole(console, "QVMM done", 1);

        QvmmCli.Result status = d.cli("qmp", "--vm", "nobody", "query-status");
        assertEquals(0, status.exitCode(), status::toString);
        assertTrue(status.stdout().contains("\"status\":\"running\""), status::toString);
        ApiCalls.Answer itself = new ApiCalls(state.resolve("qvmm.sock")).call("POST", "/v1/vms/nobody/qmp",
                "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"file\", \"node-name\": \"probe\", \"filename\": \"" + img + "\"}}");
        assertEquals(422, itself.status(), itself.raw());
        assertTrue(itself.raw().contains("Permission denied"), itself.raw());

        QvmmCli.Result added = d.cli("addvolume", "nobody", "--volume-name", "private", "--bus", "virtio");
        assertEquals(0, added.exitCode(), added::toString);
        awaitConsole(console, "serial=private", 1);
        assertTrue(read(console).contains("size=41943040 ro=0 removable=0 serial=private"), () -> read(console));
        assertEquals(0, d.cli("removevolume", "nobody", "--volume-name", "private").exitCode());
        awaitConsole(console, "QVMM removed name=vdb", 1);
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            assertFalse(fds.anyMatch(f -> {
                try {
                    return Files.readSymbolicLink(f).equals(img);
                } catch (IOException e) {
                    return false;
                }
            }), "QEMU still holds the unplugged claim's descriptor");
        }
        assertEquals(0, d.cli("delete", "--grace", "2", "nobody").exitCode());
        d.kill("TERM");
    }

    @Test
    void aGuestThatDiedWhileNoDaemonRanIsReportedFailed(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path yaml = dir.resolve("gone.yaml");
        Files.writeString(yaml, RunCliTest.spec("gone", "qvmm_stay=1", "", ""));
        Daemon first = Daemon.start(state);
        QvmmCli.Result created = first.cli("create", yaml.toString());
        assertEquals(0, created.exitCode(), created::toString);
        long pid = first.status("gone").path("qemuPid").asLong();
        first.kill("TERM");
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "QEMU died with a SIGTERMed daemon");
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        RunCliTest.assertGone(pid);

        Daemon second = Daemon.start(state);
        JsonNode s = second.status("gone");
        assertEquals("Failed", s.path("phase").asText(), s::toString);
        assertEquals("QemuExited", s.path("reason").asText(), s::toString);
        assertTrue(s.path("message").asText().contains("pid " + pid), s::toString);
        assertFalse(Files.exists(state.resolve("run/gone/qmp.sock")), "the dead VM's monitor socket stayed");
        assertEquals(0, second.cli("delete", "gone").exitCode());
        second.kill("TERM");
    }

    @Test
    void aTemplateOwnedDataVolumeGoesWithItsVmNotWithAStop(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path yaml = dir.resolve("owner.yaml");
        Files.writeString(yaml, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: owner}
                spec:
                  runStrategy: Always
                  dataVolumeTemplates:
                  - metadata: {name: owned}
                    spec:
                      source: {blank: {}}
                      storage: {resources: {requests: {storage: 16Mi}}}
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 128Mi}}
                        firmware:
                          kernelBoot:
                            kernelArgs: "console=ttyS0 panic=-1 qvmm_stay=1"
                            container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                        devices: {disks: [{name: data, disk: {bus: virtio}}]}
                      volumes: [{name: data, dataVolume: {name: owned}}]
                """.formatted(guest));
        claim(state, "kept", 1L << 20);
        Daemon d = Daemon.start(state);
        QvmmCli.Result created = d.cli("create", yaml.toString());
        assertEquals(0, created.exitCode(), created::toString);
        Path owned = state.resolve("claims/owned/disk.img");
        assertTrue(Files.exists(owned), "the DataVolume was not imported");
        assertEquals(0, d.cli("stop", "--grace", "0", "owner").exitCode());
        assertTrue(Files.exists(owned), "a stop deleted the VM's DataVolume");
        assertEquals(0, d.cli("delete", "owner").exitCode());
        assertFalse(Files.exists(owned.getParent()), "deleting the VM left its template-owned DataVolume");
        assertTrue(Files.exists(state.resolve("claims/kept/disk.img")), "deleting the VM deleted a claim it did not own");
        d.kill("TERM");
    }

    /** A virtiofsd serves its guest across a daemon SIGKILL and is adopted with the VM. */
    @Test
    void aSharesVirtiofsdOutlivesTheDaemonAndServesTheGuestAfterAdoption(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path data = Files.createDirectories(state.resolve("claims/data"));
        Files.writeString(data.resolve("greeting"), "before\n");
        Path yaml = dir.resolve("share.yaml");
        Files.writeString(yaml, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: share}
                spec:
                  terminationGracePeriodSeconds: 2
                  domain:
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1 qvmm_shares=virtiofs:data qvmm_watch=data/greeting qvmm_watch_secs=150 qvmm_stay=1"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      filesystems: [{name: data, virtiofs: {}}]
                  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
                """.formatted(guest));
        Daemon first = Daemon.start(state);
        QvmmCli.Result created = first.cli("create", yaml.toString());
        assertEquals(0, created.exitCode(), created::toString);
        Path console = first.console("share");
        awaitConsole(console, "QVMM watch path=data/greeting", 1);
        long virtiofsd = Long.parseLong(Files.readString(state.resolve("run/share/virtiofs/data.pid")).strip());

        first.kill("KILL");
        assertTrue(ProcessHandle.of(virtiofsd).map(ProcessHandle::isAlive).orElse(false), "virtiofsd died with the daemon");
        Daemon second = Daemon.start(state);
        assertTrue(second.log().contains("resumed 1 companions"), second::log);
        Files.writeString(data.resolve("greeting"), "after\n");
        awaitConsole(console, "QVMM changed path=data/greeting", 1);

        assertEquals(0, second.cli("delete", "share").exitCode());
        RunCliTest.assertGone(virtiofsd);
        assertTrue(Files.exists(data.resolve("greeting")), "deleting the VM touched its shared claim directory");
        second.kill("TERM");
    }

    @Test
    void badRequestsAreRefusedWithWhatToDo(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        QvmmCli.Result noDaemon = QvmmCli.run(CLI, "ps", "--state-dir", state.toString());
        assertEquals(1, noDaemon.exitCode(), noDaemon::toString);
        assertTrue(noDaemon.stderr().contains("is `qvmm daemon` running?"), noDaemon::toString);

        Daemon d = Daemon.start(state);
        java.nio.file.attribute.PosixFileAttributes socket = Files.readAttributes(state.resolve("qvmm.sock"),
                java.nio.file.attribute.PosixFileAttributes.class);
        assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(socket.permissions()), "the API socket's mode");
        Path invalid = dir.resolve("invalid.yaml");
        Files.writeString(invalid, RunCliTest.spec("invalid", "", "      - {name: nowhere, disk: {bus: virtio}}", ""));
        QvmmCli.Result rejected = d.cli("create", invalid.toString());
        assertEquals(2, rejected.exitCode(), rejected::toString);
        assertTrue(rejected.stderr().contains("nowhere"), rejected::toString);
        assertFalse(Files.exists(state.resolve("vms").resolve("invalid")), "a rejected VM was stored");

        // A VirtualMachine that is Halted is stored, not started: no guest boots for this test.
        Path halted = dir.resolve("halted.yaml");
        Files.writeString(halted, HaltedVm.named("halted"));
        QvmmCli.Result stored = d.cli("create", halted.toString());
        assertEquals(0, stored.exitCode(), stored::toString);
        QvmmCli.Result again = d.cli("create", halted.toString());
        assertEquals(1, again.exitCode(), again::toString);
        assertTrue(again.stderr().contains("VM \"halted\" already exists"), again::toString);
        QvmmCli.Result pause = d.cli("pause", "halted");
        assertTrue(pause.stderr().contains("is not running"), pause::toString);
        QvmmCli.Result unknown = d.cli("start", "nosuch");
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.stderr().contains("no VM named \"nosuch\""), unknown::toString);
        QvmmCli.Result ps = d.cli("ps");
        assertTrue(ps.stdout().contains("halted"), ps::toString);
        assertEquals(0, d.cli("delete", "halted").exitCode());
        d.kill("TERM");
    }
}
