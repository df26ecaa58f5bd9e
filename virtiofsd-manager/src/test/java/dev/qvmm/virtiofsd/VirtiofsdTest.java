package dev.qvmm.virtiofsd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real virtiofsd of this host (Debian 12: the C one of QEMU 7.2), started and stopped for real. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtiofsdTest {

    @Test
    void findsTheHostsDaemonAndAsksWhichOneItIs() {
        VirtiofsdBinary b = VirtiofsdBinary.find(Optional.empty());
        assertEquals(Path.of("/usr/lib/qemu/virtiofsd"), b.path());
        assertEquals(Flavour.C, b.flavour());
        VirtiofsdException e = assertThrows(VirtiofsdException.class, () -> VirtiofsdBinary.find(Optional.of(Path.of("/nope/virtiofsd"))));
        assertEquals(VirtiofsdException.Kind.NOT_FOUND, e.kind());
        assertEquals(VirtiofsdException.Kind.UNRECOGNISED,
                assertThrows(VirtiofsdException.class, () -> VirtiofsdBinary.probe(Path.of("/bin/true"))).kind());
    }

    @Test
    void eachFlavourGetsItsOwnFlags() {
        String rustHelp = "Usage: virtiofsd [OPTIONS]\n      --shared-dir <SHARED_DIR>  Shared directory path\n      --fd <FD>\n";
        assertEquals(Optional.of(Flavour.RUST), VirtiofsdBinary.flavourOf(rustHelp));
        assertEquals(Optional.empty(), VirtiofsdBinary.flavourOf("usage: something else"));
        ShareOptions s = ShareOptions.of("data", Path.of("/srv/data"));
        assertEquals(List.of("--fd=3", "-o", "source=/srv/data", "-o", "cache=auto", "-o", "sandbox=namespace"),
                Flavour.C.arguments(s, 3));
        assertEquals(List.of("--fd=3", "--shared-dir=/srv/data", "--cache=auto", "--sandbox=namespace", "--announce-submounts"),
                Flavour.RUST.arguments(s, 3));
        ShareOptions unprivileged = new ShareOptions("data", Path.of("/srv/data"), Cache.NONE,
                Optional.of(new ShareOptions.RunAs(1000, 1000)));
        assertEquals(List.of("--fd=3", "--shared-dir=/srv/data", "--cache=never", "--sandbox=namespace", "--announce-submounts"),
                Flavour.RUST.arguments(unprivileged, 3));
        assertEquals(List.of("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--", "unshare", "--user",
                "--map-root-user", "--", "setpriv", "--pdeathsig", "KILL", "--", "/usr/lib/qemu/virtiofsd", "--fd=3", "-o",
                "source=/srv/data", "-o", "cache=none", "-o", "sandbox=namespace"),
                Virtiofsd.command(new VirtiofsdBinary(Path.of("/usr/lib/qemu/virtiofsd"), Flavour.C), unprivileged));
    }

    /**
     * A detached daemon has a session of its own and no parent-death signal; another owner (a
     * restarted qvmm daemon) adopts it by pid, only when the pid is a virtiofsd for that directory,
     * and stops it.
     */
    @Test
    void aDetachedDaemonIsAdoptedByPidAndStoppedByItsNewOwner(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path socket = dir.resolve("run/fs.sock");
        Path log = dir.resolve("run/fs.log");
        ShareOptions share = ShareOptions.of("fs", shared);
        Virtiofsd d = Virtiofsd.start(VirtiofsdBinary.find(Optional.empty()), share, socket, log, Virtiofsd.Lifetime.DETACHED);
        try {
            // setsid execs the daemon in the same process: wait for the exec, then it is the daemon's own command line.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String cmdline;
            while (!(cmdline = Files.readString(Path.of("/proc/" + d.pid() + "/cmdline")).replace('\0', ' ')).startsWith("/usr/lib/qemu/virtiofsd")) {
                assertTrue(System.nanoTime() < deadline, cmdline);
                Thread.sleep(5);
            }
            assertTrue(cmdline.startsWith("/usr/lib/qemu/virtiofsd --fd=3"), cmdline);
            String stat = Files.readString(Path.of("/proc/" + d.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(String.valueOf(d.pid()), f[3], "a detached daemon leads a session of its own: " + stat);

            assertTrue(Virtiofsd.adopt(d.pid(), ShareOptions.of("fs", dir), socket, log).isEmpty(), "adopted for another directory");
            assertTrue(Virtiofsd.adopt(ProcessHandle.current().pid(), share, socket, log).isEmpty(), "adopted a process that is no virtiofsd");
            Virtiofsd adopted = Virtiofsd.adopt(d.pid(), share, socket, log).orElseThrow();
            adopted.close();
            assertEquals(-1, adopted.exit().get(10, TimeUnit.SECONDS), "an adopted daemon's exit code is unknown");
            assertFalse(Files.exists(socket), "the socket stayed");
        } finally {
            d.close();
        }
    }

    @Test
    void startsOnASocketItAlreadyListensOnAndStopsWithoutLeavingIt(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path socket = dir.resolve("run/fs.sock");
        Path log = dir.resolve("run/fs.log");
        long t0 = System.nanoTime();
        Virtiofsd d = Virtiofsd.start(VirtiofsdBinary.find(Optional.empty()), ShareOptions.of("fs", shared), socket, log);
        long startedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("virtiofsd started in " + startedMs + " ms (socket listening, pid " + d.pid() + ")");
        try {
            // For the record only: when the C daemon itself is ready to accept (QEMU could connect earlier, into the backlog).
            long readyDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(log) || !Files.readString(log).contains("Waiting for vhost-user socket connection")) {
                assertTrue(System.nanoTime() < readyDeadline, () -> "the daemon never said it was waiting: " + d.logTail());
                Thread.sleep(1);
            }
            System.out.println("virtiofsd waiting for its frontend " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
                    + " ms after start() was called");
            assertTrue(Files.exists(socket), "the socket exists when start returns");
            assertTrue(d.isAlive());
            // start() returns once spawned; setpriv then execs the daemon under the same pid.
            String cmdline = Files.readString(Path.of("/proc/" + d.pid() + "/cmdline")).replace('\0', ' ');
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (cmdline.startsWith("setpriv") && System.nanoTime() < deadline) {
                Thread.sleep(5);
                cmdline = Files.readString(Path.of("/proc/" + d.pid() + "/cmdline")).replace('\0', ' ');
            }
            assertTrue(cmdline.startsWith("/usr/lib/qemu/virtiofsd --fd=3 -o source=" + shared), cmdline);
            assertTrue(Files.readSymbolicLink(Path.of("/proc/" + d.pid() + "/fd/3")).toString().startsWith("socket:"),
                    "fd 3 is the listening socket");
            try (Stream<Path> fds = Files.list(Path.of("/proc/" + d.pid() + "/fd"))) {
                for (Path fd : fds.toList()) {
                    String target = Files.readSymbolicLink(fd).toString();
                    assertFalse(target.endsWith(".jar") || target.contains("/jvm/"), "no JVM descriptor leaks in: " + fd + " -> " + target);
                }
            }
            assertTrue(Files.readString(Path.of("/proc/" + d.pid() + "/status")).contains("PPid:\t" + ProcessHandle.current().pid()),
                    "a child of this JVM");
        } finally {
            d.close();
        }
        assertFalse(d.isAlive());
        assertFalse(Files.exists(Path.of("/proc/" + d.pid())), "reaped, no zombie");
        assertFalse(Files.exists(socket), "the socket goes with the daemon");
        assertTrue(Files.exists(log), "its log stays for the run directory");
        d.close();
    }

    @Test
    void runsUnprivilegedAsTheGivenUser(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ShareOptions share = new ShareOptions("fs", shared, Cache.AUTO, Optional.of(new ShareOptions.RunAs(4321, 4321)));
        try (Virtiofsd d = Virtiofsd.start(VirtiofsdBinary.find(Optional.empty()), share, dir.resolve("fs.sock"), dir.resolve("fs.log"))) {
            Path status = Path.of("/proc/" + d.pid() + "/status");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!Files.readString(d.log()).contains("Waiting for vhost-user socket connection")) {
                assertTrue(d.isAlive(), () -> "the daemon exited: " + d.logTail());
                assertTrue(System.nanoTime() < deadline, () -> "the daemon never got ready: " + d.logTail());
                Thread.sleep(10);
            }
            assertTrue(Files.readString(status).contains("Uid:\t4321\t4321\t4321\t4321"), Files.readString(status));
        }
    }

    /** Without QEMU (whose disconnect would also end the daemon): the parent-death signal alone. */
    @Test
    void theDaemonDiesWithAJvmKilledWithSigkill(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StartAndWait.class.getName(),
                shared.toString(), dir.resolve("fs.sock").toString(), dir.resolve("fs.log").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long pid;
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(jvm.getInputStream())).readLine();
            assertTrue(line != null && line.matches("\\d+"), "the child JVM printed " + line);
            pid = Long.parseLong(line);
            assertTrue(Files.exists(Path.of("/proc/" + pid)), "the daemon runs");
        } finally {
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
        }
        assertTrue(jvm.waitFor(10, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (running(pid)) {
            assertTrue(System.nanoTime() < deadline, "virtiofsd " + pid + " outlived the JVM that started it");
            Thread.sleep(10);
        }
    }

    /** Exists and is not a zombie (an orphan's zombie waits for init to reap it). */
    private static boolean running(long pid) {
        try {
            return !Files.readString(Path.of("/proc/" + pid + "/status")).contains("State:\tZ");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void aKilledDaemonReportsItsExit(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        try (Virtiofsd d = Virtiofsd.start(VirtiofsdBinary.find(Optional.empty()), ShareOptions.of("fs", shared),
                dir.resolve("fs.sock"), dir.resolve("fs.log"))) {
            new ProcessBuilder("kill", "-KILL", String.valueOf(d.pid())).start().waitFor();
            assertEquals(128 + 9, d.exit().get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aMissingDirectoryIsRefusedBeforeAnythingStarts(@TempDir Path dir) {
        VirtiofsdException e = assertThrows(VirtiofsdException.class, () -> Virtiofsd.start(VirtiofsdBinary.find(Optional.empty()),
                ShareOptions.of("fs", dir.resolve("absent")), dir.resolve("fs.sock"), dir.resolve("fs.log")));
        assertEquals(VirtiofsdException.Kind.SOURCE_UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("fs.sock")));
    }
}
