package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qvmm console} is a console both ways, as {@code virtctl console} is: a user logs into the
 * real cloud-init guest through it, types a command and reads its output, detaches with Ctrl-]
 * (the VM keeps running) and attaches again. One boot of about 40-60 s under TCG.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ConsoleLoginTest {

    static final String VM = "console-login";
    static final String PASSWORD = "typed-through-qvmm";
    static final long STEP_SECONDS = 90;

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = CloudInitGuest.build();
    }

    /** Before the test's directory goes: the daemon's QEMUs outlive it by design, and are found by their pid files there. */
    @AfterEach
    void killWhatTheTestLeft() throws IOException {
        DaemonTest.killAll();
    }

    @Test
    void aUserLogsInTypesACommandDetachesAndAttachesAgain(@TempDir Path dir) throws Exception {
        // cloud-init sets root's password (config stage); runcmd (final stage, after it) says so on the console.
        String userData = """
                #cloud-config
                chpasswd:
                  expire: false
                  users:
                    - {name: root, password: %s, type: text}
                runcmd:
                  - echo "QVMM console-ready" > /dev/ttyS0
                """.formatted(PASSWORD);
        Path spec = dir.resolve("console.yaml");
        Files.writeString(spec, CloudInitGuest.noCloudVmi(guest, VM, 2, userData, "", ""));
        DaemonTest.Daemon d = DaemonTest.Daemon.start(dir.resolve("state"));
        QvmmCli.Result created = d.cli("create", spec.toString());
        assertEquals(0, created.exitCode(), created::toString);
        long t0 = System.nanoTime();
        awaitFile(d.console(VM), "QVMM console-ready");
        System.out.printf("ConsoleLoginTest: the guest was ready for a login after %.1f s%n", (System.nanoTime() - t0) / 1e9);

        try (Attached c = Attached.to(d)) {
            c.type("\r");
            c.await("login: ");
            c.type("root\r");
            c.await("Password: ");
            c.type(PASSWORD + "\r");
            c.await("# ");
            c.type("echo typed-$((6*7)) on $(cat /proc/sys/kernel/hostname)\r");
            String seen = c.await("typed-42 on ");
            assertTrue(seen.contains("typed-42 on console-login"), seen);
            // Ctrl-] detaches: qvmm console ends by itself, 0, and the guest goes on.
            c.type("\u001d");
            assertEquals(0, c.exit(), c::output);
        }
        assertEquals("Running", d.status(VM).path("phase").asText(), "detaching stopped the VM");

        // The console is free again (QEMU serves one client): a new attach finds the same shell.
        try (Attached again = Attached.to(d)) {
            again.type("echo still-$((40+2))\r");
            again.await("still-42");
            // The end of input detaches too.
            again.closeInput();
            assertEquals(0, again.exit(), again::output);
        }
        QvmmCli.Result stopped = d.cli("stop", "--grace", "20", VM);
        assertTrue(stopped.stdout().contains(VM + " Succeeded"), stopped::toString);
    }

    private static void awaitFile(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CloudInitGuest.BOOT_DEADLINE_SECONDS);
        while (!Files.exists(file) || !Files.readString(file, StandardCharsets.ISO_8859_1).contains(text)) {
            assertTrue(System.nanoTime() < deadline, () -> "the console never said " + text + ":\n" + read(file));
            Thread.sleep(200);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "(no " + file + ")";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A {@code qvmm console} process: what is typed into its stdin, what it printed so far. */
    private static final class Attached implements AutoCloseable {
        private final Process process;
        private final OutputStream keys;
        private final ByteArrayOutputStream seen;
        /** How much of the output earlier waits used up. */
        private int consumed;

        private Attached(Process process, OutputStream keys, ByteArrayOutputStream seen) {
            this.process = process;
            this.keys = keys;
            this.seen = seen;
        }

        static Attached to(DaemonTest.Daemon d) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(QvmmCli.CHECKOUT.resolve("scripts/qvmm").toString(), "console", "--state-dir",
                    d.state().toString(), VM).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("QVMM_SKIP_BUILD", "1");
            Process p = pb.start();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            InputStream out = p.getInputStream();
            Thread.ofPlatform().daemon(true).name("console-out").start(() -> {
                byte[] buf = new byte[4096];
                try {
                    for (int n; (n = out.read(buf)) > 0; ) {
                        synchronized (seen) {
                            seen.write(buf, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            return new Attached(p, p.getOutputStream(), seen);
        }

        void type(String keys) throws IOException {
            this.keys.write(keys.getBytes(StandardCharsets.UTF_8));
            this.keys.flush();
        }

        void closeInput() throws IOException {
            keys.close();
        }

        /** Waits for {@code text} in what came after the last wait; answers that stretch up to the end of the line holding it. */
        String await(String text) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
            while (true) {
                String all = output();
                int at = all.indexOf(text, consumed);
                if (at >= 0) {
                    int end = all.indexOf('\n', at);
                    end = end < 0 ? all.length() : end;
                    String stretch = all.substring(consumed, end);
                    consumed = at + text.length();
                    return stretch;
                }
                assertTrue(process.isAlive(), () -> "qvmm console ended before the guest said \"" + text + "\":\n" + all);
                assertTrue(System.nanoTime() < deadline, () -> "the guest never said \"" + text + "\" through qvmm console:\n" + all);
                Thread.sleep(50);
            }
        }

        String output() {
            synchronized (seen) {
                return seen.toString(StandardCharsets.ISO_8859_1);
            }
        }

        int exit() throws InterruptedException {
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), () -> "qvmm console did not detach:\n" + output());
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
