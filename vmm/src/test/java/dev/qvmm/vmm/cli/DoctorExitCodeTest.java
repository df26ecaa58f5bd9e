package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qvmm doctor} as a process, the way scripts and packages use it: its exit code is what
 * they branch on (scripts/fresh-host-check's package test requires 0 on a host with the package's
 * Depends). Here PATH holds no QEMU, so the process must exit 1 and say what to install.
 */
class DoctorExitCodeTest {

    @TempDir
    Path dir;

    @Test
    void aHostWithoutQemuExitsOneWithTheInstallLineInJson() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                QvmmCommand.class.getName(), "doctor", "--json", "--state-dir", dir.resolve("state").toString());
        pb.environment().put("PATH", Files.createDirectories(dir.resolve("empty-path")).toString());
        pb.environment().remove("QVMM_SOCKET");
        Path err = dir.resolve("stderr");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "qvmm doctor did not end within 60 s");
        assertEquals(1, p.exitValue(), out + Files.readString(err));

        JsonNode report = new ObjectMapper().readTree(out);
        assertFalse(report.path("ok").asBoolean(), out);
        JsonNode qemu = null;
        for (JsonNode c : report.path("checks")) {
            if (c.path("name").asText().equals("qemu")) {
                qemu = c;
            }
        }
        assertTrue(qemu != null, out);
        assertEquals("missing", qemu.path("status").asText(), qemu.toString());
        assertTrue(qemu.path("required").asBoolean(), qemu.toString());
        assertTrue(qemu.path("fix").asText().contains("apt-get install -y qemu-system-x86"), qemu.toString());
    }
}
