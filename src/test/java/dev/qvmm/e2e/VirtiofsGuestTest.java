package dev.qvmm.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * virtiofs filesystems end to end with {@code qvmm run}, the real virtiofsd and the probe guest:
 * what the guest mounts and reads, what it writes, a ConfigMap changed on the host while it runs,
 * a daemon killed under a running VM (both policies), two VMs sharing one directory, and nothing
 * left running when qvmm itself is SIGKILLed.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class VirtiofsGuestTest {

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    private static String vm(String name, String annotations, String kernelArgs, List<String> filesystems, String volumes,
                             String objects) {
        String fs = filesystems.stream().map(f -> "      - {name: " + f + ", virtiofs: {}}\n").collect(Collectors.joining());
        if (volumes.contains("name: scratch,")) {
            fs = "      disks:\n      - {name: scratch, disk: {bus: virtio}}\n      filesystems:\n" + fs;
        } else {
            fs = "      filesystems:\n" + fs;
        }
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s%s}
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1 %s"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                %s  volumes:
                %s%s""".formatted(name, annotations, kernelArgs, guest, fs, volumes, objects);
    }

    /**
     * One VM: a claim directory (files in a subdirectory too), a host ConfigMap directory the
     * kubelet way, a Secret from the YAML stream and a host ServiceAccount directory, each on its
     * own daemon. The guest reboots once first (its vhost-user devices are reset under the same
     * daemons), then lists the shares with checksums, writes a file into the claim, and watches the
     * ConfigMap while the host swaps its {@code ..data} link to a new version.
     */
    @Test
    void theGuestReadsWritesAndSeesAConfigMapChangeLive(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path claim = Files.createDirectories(state.resolve("claims/data/sub"));
        Files.writeString(claim.getParent().resolve("hello.txt"), "hello virtiofs\n");
        byte[] blob = new byte[256 * 1024];
        new Random(7).nextBytes(blob);
        Files.write(claim.resolve("blob.bin"), blob);
        Path configMap = state.resolve("configmaps/app-config");
        kubeletWrite(configMap, Map.of("greeting", "version-one\n", "color", "blue\n"));
        Path account = Files.createDirectories(state.resolve("serviceaccounts/builder"));
        Files.writeString(account.resolve("token"), "sa-token");
        Files.writeString(account.resolve("namespace"), "ci");
        String yaml = vm("fs-live", "", "qvmm_reboot=vda qvmm_shares=virtiofs:data,virtiofs:config,virtiofs:secret,virtiofs:sa qvmm_sharewrite=data "
                        + "qvmm_watch=config/greeting qvmm_watch_secs=90", List.of("data", "config", "secret", "sa"), """
                  - {name: scratch, emptyDisk: {capacity: 16Mi}}
                  - {name: data, persistentVolumeClaim: {claimName: data}}
                  - {name: config, configMap: {name: app-config}}
                  - {name: secret, secret: {secretName: app-secret}}
                  - {name: sa, serviceAccount: {serviceAccountName: builder}}
                """, """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: app-secret}
                stringData: {token: s3cr3t-token}
                """);
        RunCliTest.Running run = RunCliTest.Running.start(dir, "fs-live", yaml);
        Map<String, Long> daemons;
        long changedAfterMs;
        try {
            run.awaitStdout("QVMM watch ");
            daemons = daemons(run.runDir());
            assertEquals(List.of("config", "data", "sa", "secret"), List.copyOf(daemons.keySet()), run::toString);
            assertEquals(4, daemons.values().stream().distinct().count(), "one daemon per filesystem: " + daemons);
            for (Map.Entry<String, Long> d : daemons.entrySet()) {
                String cmdline = Files.readString(Path.of("/proc/" + d.getValue() + "/cmdline")).replace('\0', ' ');
                assertTrue(cmdline.contains("virtiofsd --fd=3") && cmdline.contains("cache=auto"), cmdline);
                assertTrue(Files.exists(run.runDir().resolve("virtiofs/" + d.getKey() + ".log")), "logs in the run directory");
            }
            long swapped = System.nanoTime();
            kubeletWrite(configMap, Map.of("greeting", "version-two\n", "color", "blue\n"));
            run.awaitStdout("QVMM changed ");
            changedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - swapped);
        } catch (AssertionError | Exception e) {
            run.process().destroyForcibly();
            throw e;
        }
        assertEquals(0, run.awaitExit(), run::toString);
        System.out.println("the guest saw the ConfigMap change " + changedAfterMs + " ms after the host swapped ..data");

        GuestReport report = GuestReport.parse(Files.readString(run.stdout()));
        assertEquals(1, report.all("rebooted").size(), () -> "the guest rebooted once (its virtio devices reset, the daemons stay):\n" + report);
        Map<String, String> seen = new TreeMap<>();
        report.all("file").forEach(l -> seen.put(l.get("share") + ":" + l.get("path"), l.get("md5")));
        assertEquals(Map.of(
                "data:/hello.txt", md5("hello virtiofs\n".getBytes(StandardCharsets.UTF_8)),
                "data:/sub/blob.bin", md5(blob),
                "config:/greeting", md5("version-one\n".getBytes(StandardCharsets.UTF_8)),
                "config:/color", md5("blue\n".getBytes(StandardCharsets.UTF_8)),
                "secret:/token", md5("s3cr3t-token".getBytes(StandardCharsets.UTF_8)),
                "sa:/token", md5("sa-token".getBytes(StandardCharsets.UTF_8)),
                "sa:/namespace", md5("ci".getBytes(StandardCharsets.UTF_8))), seen, report::toString);
        assertEquals(4, report.all("share").size(), report::toString);
        assertTrue(report.all("share").stream().noneMatch(l -> l.fields().containsKey("error")), report::toString);

        Path written = claim.getParent().resolve("guest-wrote.txt");
        assertEquals("QVMMGUEST data\n", Files.readString(written), "what the guest wrote is on the host");
        assertEquals(md5(Files.readAllBytes(written)), report.all("sharewrite").getFirst().get("md5"), report::toString);
        GuestReport.Line changed = report.all("changed").getFirst();
        assertEquals(md5("version-two\n".getBytes(StandardCharsets.UTF_8)), changed.get("md5"), report::toString);

        for (long pid : daemons.values()) {
            RunCliTest.assertGone(pid);
        }
        assertFalse(Files.exists(run.runDir()), "the run directory, sockets and the written Secret go with the VM:\n" + run);
        assertEquals("hello virtiofs\n", Files.readString(claim.getParent().resolve("hello.txt")), "the user's files stay");
        assertTrue(Files.isSymbolicLink(configMap.resolve("..data")), "the host ConfigMap stays");
    }

    /**
     * Two VMs share one claim directory, each with its own daemon. The one with the default
     * policy loses its daemon and is stopped, Failed; the one annotated continue loses the daemon of
     * its second filesystem and keeps running; then its qvmm is SIGKILLed and neither its QEMU nor
     * its remaining daemon outlives it.
     */
    @Test
    void aDyingDaemonRaisesTheEventAndThePolicyApplies(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Files.writeString(Files.createDirectories(state.resolve("claims/shared")).resolve("both.txt"), "seen by two VMs\n");
        Files.createDirectories(state.resolve("claims/extra"));
        String keeperYaml = vm("keeper", ", annotations: {qvmm.dev/filesystem-failure: continue}",
                "qvmm_shares=virtiofs:shared,virtiofs:extra qvmm_stay=1", List.of("shared", "extra"), """
                  - {name: shared, persistentVolumeClaim: {claimName: shared}}
                  - {name: extra, persistentVolumeClaim: {claimName: extra}}
                """, "");
        String stopperYaml = vm("stopper", "", "qvmm_shares=virtiofs:shared qvmm_stay=1", List.of("shared"), """
                  - {name: shared, persistentVolumeClaim: {claimName: shared}}
                """, "");
        RunCliTest.Running keeper = RunCliTest.Running.start(dir, "keeper", keeperYaml);
        RunCliTest.Running stopper = RunCliTest.Running.start(dir, "stopper", stopperYaml, "--grace", "2");
        try {
            keeper.awaitStdout("QVMM done");
            stopper.awaitStdout("QVMM done");
            String md5 = md5("seen by two VMs\n".getBytes(StandardCharsets.UTF_8));
            for (RunCliTest.Running r : List.of(keeper, stopper)) {
                GuestReport report = GuestReport.parse(Files.readString(r.stdout()));
                assertTrue(report.all("file").stream().anyMatch(l -> l.get("path").equals("/both.txt") && l.get("md5").equals(md5)),
                        r.vm() + " reads the shared file:\n" + report);
            }
            Map<String, Long> keeperDaemons = daemons(keeper.runDir());
            Map<String, Long> stopperDaemons = daemons(stopper.runDir());
            assertNotEquals(keeperDaemons.get("shared"), stopperDaemons.get("shared"), "each VM has its own daemon");

            // Default policy: the VM is stopped and ends Failed, naming the filesystem.
            long stopperQemu = stopper.qemuPid();
            kill(stopperDaemons.get("shared"));
            assertEquals(1, stopper.awaitExit(), stopper::toString);
            String err = Files.readString(stopper.stderr());
            assertTrue(err.contains("Running FilesystemFailed: filesystem \"shared\": virtiofsd") && err.contains("killed by signal 9")
                    && err.contains("stopping the VM"), err);
            assertTrue(err.contains("Failed FilesystemFailed"), err);
            RunCliTest.assertGone(stopperQemu);
            assertTrue(isAlive(keeperDaemons.get("shared")), "the other VM's daemon on the same directory is untouched");

            // continue: the event, and the VM runs on.
            long keeperQemu = keeper.qemuPid();
            kill(keeperDaemons.get("extra"));
            awaitStderr(keeper, "FilesystemFailed: filesystem \"extra\"");
            String keeperErr = Files.readString(keeper.stderr());
            assertTrue(keeperErr.contains("keeps running without it"), keeperErr);
            assertTrue(keeper.process().isAlive() && isAlive(keeperQemu) && isAlive(keeperDaemons.get("shared")), keeper::toString);
            assertFalse(keeperErr.contains(" keeper Stopping "), keeperErr);

            // No orphans: qvmm SIGKILLed takes QEMU and the remaining daemon with it.
            keeper.signal("KILL");
            keeper.awaitExit();
            RunCliTest.assertGone(keeperQemu);
            RunCliTest.assertGone(keeperDaemons.get("shared"));
        } finally {
            keeper.process().destroyForcibly();
            stopper.process().destroyForcibly();
        }
        assertEquals("seen by two VMs\n", Files.readString(state.resolve("claims/shared/both.txt")));
    }

    /**
     * Unprivileged mode (host config {@code virtiofsdUser}): the daemon runs as that uid/gid, the
     * guest still reads the claim and what it writes belongs to that user on the host.
     */
    @Test
    void anUnprivilegedDaemonServesAsTheConfiguredUser(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path claim = Files.createDirectories(state.resolve("claims/owned"));
        Files.writeString(claim.resolve("mine.txt"), "owned by 4321\n");
        for (Path p : List.of(claim, claim.resolve("mine.txt"))) {
            Files.setAttribute(p, "unix:uid", 4321);
            Files.setAttribute(p, "unix:gid", 4321);
        }
        for (Path p = claim.getParent(); p.startsWith(dir.getParent()) && !p.equals(dir.getParent()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path config = Files.writeString(dir.resolve("host.yaml"), "virtiofsdUser: \"4321:4321\"\n");
        String yaml = vm("fs-user", "", "qvmm_shares=virtiofs:owned,virtiofs:secret qvmm_sharewrite=owned qvmm_stay=1",
                List.of("owned", "secret"), "  - {name: owned, persistentVolumeClaim: {claimName: owned}}\n"
                        + "  - {name: secret, secret: {secretName: app-secret}}\n",
                "---\napiVersion: v1\nkind: Secret\nmetadata: {name: app-secret}\nstringData: {token: for-4321}\n");
        RunCliTest.Running run = RunCliTest.Running.start(dir, "fs-user", yaml, "--host-config", config.toString(), "--grace", "2");
        try {
            run.awaitStdout("QVMM done");
            long pid = daemons(run.runDir()).get("owned");
            assertTrue(Files.readString(Path.of("/proc/" + pid + "/status")).contains("Uid:\t4321\t4321\t4321\t4321"),
                    "the daemon runs as the configured user");
            run.signal("INT");
            assertEquals(0, run.awaitExit(), run::toString);
        } finally {
            run.process().destroyForcibly();
        }
        GuestReport report = GuestReport.parse(Files.readString(run.stdout()));
        assertEquals(md5("owned by 4321\n".getBytes(StandardCharsets.UTF_8)),
                report.all("file").stream().filter(l -> l.get("path").equals("/mine.txt")).findFirst()
                        .orElseThrow(() -> new AssertionError(report.toString())).get("md5"));
        assertTrue(report.all("file").stream().anyMatch(l -> l.get("share").equals("secret") && l.get("path").equals("/token")
                && l.get("md5").equals(md5Quietly("for-4321"))), () -> "the unprivileged daemon serves the run's Secret copy:\n" + report);
        Path written = claim.resolve("guest-wrote.txt");
        assertEquals("QVMMGUEST owned\n", Files.readString(written), report::toString);
        assertEquals(4321, Files.getAttribute(written, "unix:uid"), "a file the guest creates belongs to the daemon's user");
        assertEquals(4321, Files.getAttribute(written, "unix:gid"));
    }

    /**
     * QEMU only says "vhost_backend_init failed: Protocol error" when a daemon gives up; the
     * error names the filesystem and ends with the daemon's own words. Here an unprivileged daemon
     * may not open a root-only claim directory.
     */
    @Test
    void aDaemonThatGivesUpIsNamedInTheStartErrorWithItsLog(@TempDir Path dir) throws Exception {
        Path claim = Files.createDirectories(dir.resolve("state/claims/locked"));
        Files.setPosixFilePermissions(claim, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        for (Path p = claim.getParent(); p.startsWith(dir.getParent()) && !p.equals(dir.getParent()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path config = Files.writeString(dir.resolve("host.yaml"), "virtiofsdUser: \"4321:4321\"\n");
        String yaml = vm("fs-locked", "", "qvmm_shares=virtiofs:locked", List.of("locked"),
                "  - {name: locked, persistentVolumeClaim: {claimName: locked}}\n", "");
        RunCliTest.Running run = RunCliTest.Running.start(dir, "fs-locked", yaml, "--host-config", config.toString());
        assertEquals(1, run.awaitExit(), run::toString);
        String err = Files.readString(run.stderr());
        assertTrue(err.contains("filesystem \"locked\": virtiofsd exited with code")
                && err.contains("open(" + claim + "): Permission denied"), err);
        assertTrue(Files.exists(run.runDir().resolve("virtiofs/locked.log")), "the daemon's log is kept with the run directory");
        assertFalse(Files.exists(run.runDir().resolve("virtiofs/locked.sock")), "its socket is not");
    }

    /** The daemons of a running VM by filesystem, from the pid files qvmm writes beside their sockets. */
    static Map<String, Long> daemons(Path runDir) throws IOException {
        Map<String, Long> pids = new TreeMap<>();
        try (Stream<Path> files = Files.list(runDir.resolve("virtiofs"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                String name = p.getFileName().toString();
                pids.put(name.substring(0, name.length() - 4), Long.parseLong(Files.readString(p).trim()));
            }
        }
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            assertTrue(isAlive(e.getValue()), "the daemon of " + e.getKey() + " runs");
        }
        return pids;
    }

    private static boolean isAlive(long pid) throws IOException {
        Path status = Path.of("/proc/" + pid + "/status");
        return Files.exists(status) && !Files.readString(status).contains("State:\tZ");
    }

    private static void kill(long pid) throws Exception {
        new ProcessBuilder("kill", "-KILL", String.valueOf(pid)).start().waitFor();
    }

    private static void awaitStderr(RunCliTest.Running run, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(run.stderr()).contains(text)) {
            assertTrue(System.nanoTime() < deadline, () -> "qvmm never reported " + text + ":\n" + run);
            Thread.sleep(50);
        }
    }

    /**
     * Writes a ConfigMap directory as the kubelet's AtomicWriter does: the data in a new
     * timestamped directory, a {@code ..data_tmp} link to it renamed over {@code ..data} (the one
     * atomic step a reader can observe), a {@code key -> ..data/key} link per key, the old
     * directory removed.
     */
    static void kubeletWrite(Path dir, Map<String, String> data) throws IOException {
        Files.createDirectories(dir);
        Path data0 = dir.resolve("..data");
        Path old = Files.isSymbolicLink(data0) ? dir.resolve(Files.readSymbolicLink(data0)) : null;
        Path stamped = Files.createTempDirectory(dir, "..2026_");
        for (Map.Entry<String, String> e : data.entrySet()) {
            Files.writeString(stamped.resolve(e.getKey()), e.getValue());
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, stamped.getFileName());
        Files.move(tmp, data0, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String key : data.keySet()) {
            if (!Files.isSymbolicLink(dir.resolve(key))) {
                Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
            }
        }
        if (old != null) {
            try (Stream<Path> files = Files.walk(old)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static String md5Quietly(String s) {
        try {
            return md5(s.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }
}
