package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * downwardMetrics as the probe guest reads it after a {@code scripts/qvmm run}: the vhostmd disk
 * (read with direct I/O until it changes) and the {@code org.github.vhostmd.1} virtio-serial port
 * (two XML requests with a bad one between). Everything asserted is what the guest read: the
 * header's checksum against the body the guest got, the XML parsed here, Time changing within
 * 10 s, the answers at least a second apart.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GuestSeesDownwardMetricsTest {

    static final List<String> METRICS = List.of("host/HostName", "host/HostSystemInfo", "host/VirtualizationVendor",
            "host/VirtProductInfo", "host/Time", "host/NumberOfPhysicalCPUs", "host/TotalCPUTime", "host/FreePhysicalMemory",
            "host/FreeVirtualMemory", "host/MemoryAllocatedToVirtualServers", "host/UsedVirtualMemory", "host/PagedInMemory",
            "host/PagedOutMemory", "vm/TotalCPUTime", "vm/ResourceProcessorLimit", "vm/PhysicalMemoryAllocatedToVirtualSystem",
            "vm/ResourceMemoryLimit");

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    /** context/name -> value of a {@code <metrics>} document, in document order. */
    static Map<String, String> parse(String xml) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertEquals("metrics", doc.getDocumentElement().getTagName());
        Map<String, String> out = new LinkedHashMap<>();
        NodeList list = doc.getElementsByTagName("metric");
        for (int i = 0; i < list.getLength(); i++) {
            Element m = (Element) list.item(i);
            out.put(m.getAttribute("context") + "/" + m.getElementsByTagName("name").item(0).getTextContent(),
                    m.getElementsByTagName("value").item(0).getTextContent());
        }
        return out;
    }

    static String body(GuestReport.Line l) {
        return new String(Base64.getDecoder().decode(l.get("body")), StandardCharsets.UTF_8);
    }

    @Test
    void theGuestReadsCurrentMetricsFromTheDiskAndThePort(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path spec = dir.resolve("metrics.yaml");
        Files.writeString(spec, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: metrics}
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1 qvmm_metrics=1"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      downwardMetrics: {}
                      disks:
                      - {name: scratch, disk: {bus: virtio}, serial: SCRATCH}
                      - {name: metrics, disk: {bus: virtio}, serial: METRICS}
                  volumes:
                  - {name: scratch, emptyDisk: {capacity: 16Mi}}
                  - {name: metrics, downwardMetrics: {}}
                """.formatted(guest));
        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(ProbeGuest.BOOT_DEADLINE_SECONDS), "run", "--state-dir",
                state.toString(), spec.toString());
        GuestReport report = GuestReport.parse(run.stdout());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(report.complete(), () -> "the guest's report is incomplete:\n" + run);

        GuestReport.Line disk = report.diskWithSerial("METRICS");
        assertEquals("262144", disk.get("size"), report::toString);
        assertEquals("1", disk.get("ro"), report::toString);
        assertEquals("virtio-blk", disk.get("transport"), report::toString);

        List<GuestReport.Line> reads = report.all("metrics");
        assertEquals(2, reads.size(), () -> "two reads, the first and the first changed one:\n" + report);
        List<Map<String, String>> seen = new ArrayList<>();
        for (GuestReport.Line r : reads) {
            assertEquals(disk.get("name"), r.get("dev"), report::toString);
            assertEquals("mvbd", r.get("signature"), report::toString);
            assertEquals("0", r.get("busy"), report::toString);
            assertEquals(r.get("bodysum"), r.get("checksum"), () -> "the header's checksum is the sum of the body:\n" + report);
            String xml = body(r);
            assertEquals(Integer.parseInt(r.get("length")), xml.getBytes(StandardCharsets.UTF_8).length);
            Map<String, String> m = parse(xml);
            assertEquals(METRICS, List.copyOf(m.keySet()), xml);
            seen.add(m);
        }
        assertNotEquals(seen.get(0).get("host/Time"), seen.get(1).get("host/Time"), report::toString);
        long centis = Long.parseLong(reads.get(1).get("at")) - Long.parseLong(reads.get(0).get("at"));
        assertTrue(centis <= 1000, () -> "Time changed only after " + centis / 100.0 + " s of guest time:\n" + report);

        Map<String, String> m = seen.get(1);
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip(), m.get("host/HostName"));
        assertEquals("kubevirt.io", m.get("host/VirtualizationVendor"));
        assertEquals("2", m.get("vm/ResourceProcessorLimit"));
        assertEquals(String.valueOf(256 * 1024), m.get("vm/PhysicalMemoryAllocatedToVirtualSystem"));
        assertEquals(String.valueOf(256 * 1024), m.get("vm/ResourceMemoryLimit"));
        assertTrue(Double.parseDouble(m.get("vm/TotalCPUTime")) > 0, () -> "QEMU's CPU time: " + m);
        long now = System.currentTimeMillis() / 1000;
        long time = Long.parseLong(m.get("host/Time"));
        assertTrue(time <= now && time > now - 300, () -> "Time " + time + " is not the host's recent clock");

        List<GuestReport.Line> answers = report.all("vhostmd");
        assertEquals(List.of("GET_/metrics/XML", "GET_/metrics/JSON", "GET_/metrics/XML"),
                answers.stream().map(a -> a.get("request")).toList(), report::toString);
        assertEquals(METRICS, List.copyOf(parse(body(answers.get(0))).keySet()));
        assertEquals("INVALID REQUEST\n", body(answers.get(1)));
        assertEquals(METRICS, List.copyOf(parse(body(answers.get(2))).keySet()));
        for (int i = 1; i < answers.size(); i++) {
            long gap = Long.parseLong(answers.get(i).get("at")) - Long.parseLong(answers.get(i - 1).get("at"));
            // one answer a second on the host's clock; the guest's clock under TCG may be a little off
            assertTrue(gap >= 90, "answers " + gap + " cs apart in the guest:\n" + report);
        }

        assertFalse(Files.exists(state.resolve("run/metrics")), () -> "the run directory goes with the VM:\n" + run);
    }
}
