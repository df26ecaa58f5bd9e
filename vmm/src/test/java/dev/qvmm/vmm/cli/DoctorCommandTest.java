package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qvmm doctor} on this very host (what it reports must be what is really here) and on a
 * fake root with an empty PATH, where QEMU is missing and the run must fail with the install line.
 */
class DoctorCommandTest {

    @TempDir
    Path dir;

    private static JsonNode check(JsonNode report, String name) {
        for (JsonNode c : report.path("checks")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + report.toPrettyString());
    }

    /** The version QEMU itself prints, e.g. 7.2.19 from "QEMU emulator version 7.2.19 (Debian ...)". */
    private static String realQemuVersion() throws Exception {
        Process p = new ProcessBuilder("qemu-system-x86_64", "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        Matcher m = Pattern.compile("version (\\d+\\.\\d+\\.\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    @Test
    void reportsThisHostAsItIs() throws Exception {
        RealDaemon.Run r = RealDaemon.cli("doctor", "--json", "--state-dir", dir.resolve("state").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertTrue(report.path("ok").asBoolean(), r.out());

        JsonNode qemu = check(report, "qemu");
        assertEquals("ok", qemu.path("status").asText());
        assertTrue(qemu.path("detail").asText().contains("QEMU " + realQemuVersion()), qemu.toString());

        JsonNode kvm = check(report, "kvm");
        if (Files.exists(Path.of("/sys/module/kvm_pvm"))) {
            assertEquals("warning", kvm.path("status").asText(), kvm.toString());
            assertTrue(kvm.path("detail").asText().contains("kvm_pvm"), kvm.toString());
        } else if (Files.isWritable(Path.of("/dev/kvm"))
                && Files.readString(Path.of("/proc/cpuinfo")).matches("(?s).*\\b(vmx|svm)\\b.*")) {
            assertEquals("ok", kvm.path("status").asText(), kvm.toString());
        }
        assertEquals(Files.isExecutable(Path.of("/usr/bin/qemu-img")) ? "ok" : "missing", check(report, "qemu-img").path("status").asText());
        boolean virtiofsd = Files.isExecutable(Path.of("/usr/libexec/virtiofsd")) || Files.isExecutable(Path.of("/usr/lib/qemu/virtiofsd"));
        assertEquals(virtiofsd ? "ok" : "missing", check(report, "virtiofsd").path("status").asText());
        assertEquals("ok", check(report, "state-dir").path("status").asText());
        assertTrue(check(report, "state-dir").path("detail").asText().contains("MiB free"));
        assertTrue(check(report, "socket").path("detail").asText().contains("no daemon socket"));
    }

    @Test
    void withoutQemuTheHostFailsWithTheInstallLine() {
        Path root = dir.resolve("root");
        DoctorHost fake = new DoctorHost(root, List.of(root.resolve("usr/bin")), dir.resolve("state"), dir.resolve("qvmm.sock"),
                "qemu-system-x86_64");
        StringWriter text = new StringWriter();
        assertEquals(1, DoctorCommand.print(DoctorChecks.all(fake), false, new PrintWriter(text)));
        assertTrue(text.toString().contains("apt-get install -y qemu-system-x86"), text.toString());
        assertTrue(text.toString().contains("apt-get install -y qemu-utils"), text.toString());
        assertTrue(text.toString().contains("apt-get install -y ovmf"), text.toString());
        assertTrue(text.toString().lines().anyMatch(l -> l.startsWith("MISSING  qemu ")), text.toString());
        assertTrue(text.toString().contains("/dev/kvm is missing"), text.toString());
    }

    @Test
    void onlyOptionalGapsStillExitZero() throws Exception {
        Path root = dir.resolve("root");
        Path bin = Files.createDirectories(root.resolve("usr/bin"));
        for (String tool : List.of("qemu-system-x86_64", "qemu-img")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool));
        }
        DoctorHost fake = new DoctorHost(root, List.of(bin), dir.resolve("state"), dir.resolve("qvmm.sock"), "qemu-system-x86_64");
        StringWriter json = new StringWriter();
        assertEquals(0, DoctorCommand.print(DoctorChecks.all(fake), true, new PrintWriter(json)), json.toString());
        JsonNode report = new ObjectMapper().readTree(json.toString());
        assertEquals("missing", check(report, "passt").path("status").asText());
        assertEquals("apt-get install -y passt", check(report, "passt").path("fix").asText());
        assertEquals(false, check(report, "passt").path("required").asBoolean());
    }

    @Test
    void aDaemonSocketIsReportedWithModeGroupAndReach() throws Exception {
        try (RealDaemon daemon = new RealDaemon(dir.resolve("state"))) {
            JsonNode report = new ObjectMapper().readTree(RealDaemon.cli("--socket", daemon.socket.toString(), "doctor", "--json").out());
            JsonNode s = check(report, "socket");
            assertEquals("ok", s.path("status").asText(), s.toString());
            assertTrue(s.path("detail").asText().contains("mode rw") && s.path("detail").asText().contains("group "), s.toString());
        }
        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(stale)).close();
        JsonNode report = new ObjectMapper().readTree(RealDaemon.cli("doctor", "--json", "--socket", stale.toString()).out());
        JsonNode s = check(report, "socket");
        assertEquals("warning", s.path("status").asText(), s.toString());
        assertTrue(s.path("fix").asText().contains("stale"), s.toString());
    }
}
