package dev.qvmm.vmm.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCollectorTest {

    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1619008605), ZoneOffset.UTC);

    static Map<String, Metric> byName(List<Metric> metrics) {
        Map<String, Metric> m = new LinkedHashMap<>();
        metrics.forEach(x -> m.put(x.context() + "/" + x.name(), x));
        return m;
    }

    @Test
    void everyKubeVirtMetricInItsOrderWithTypesUnitsAndValuesFromProc(@TempDir Path dir) throws Exception {
        MetricsCollector c = new MetricsCollector(FakeProc.create(dir, 4242), CLOCK, "qvmm test", 4, 1L << 30);
        c.qemuStarted(4242);
        Map<String, Metric> m = byName(c.collect());
        assertEquals(List.of("host/HostName", "host/HostSystemInfo", "host/VirtualizationVendor", "host/VirtProductInfo",
                "host/Time", "host/NumberOfPhysicalCPUs", "host/TotalCPUTime", "host/FreePhysicalMemory",
                "host/FreeVirtualMemory", "host/MemoryAllocatedToVirtualServers", "host/UsedVirtualMemory",
                "host/PagedInMemory", "host/PagedOutMemory", "vm/TotalCPUTime", "vm/ResourceProcessorLimit",
                "vm/PhysicalMemoryAllocatedToVirtualSystem", "vm/ResourceMemoryLimit"), List.copyOf(m.keySet()));
        assertEquals("node01", m.get("host/HostName").value());
        assertEquals("kubevirt.io", m.get("host/VirtualizationVendor").value());
        assertEquals("1619008605", m.get("host/Time").value());
        assertEquals("int64", m.get("host/Time").type());
        assertEquals("s", m.get("host/Time").unit().orElseThrow());
        assertEquals("2", m.get("host/NumberOfPhysicalCPUs").value());
        // user + nice + system + irq + softirq + steal = 1000 + 50 + 300 + 7 + 3 + 0 ticks of 1/100 s
        assertEquals("13.600000", m.get("host/TotalCPUTime").value());
        assertEquals("20000000", m.get("host/FreePhysicalMemory").value());
        assertEquals("20900000", m.get("host/FreeVirtualMemory").value());
        assertEquals("4100000", m.get("host/UsedVirtualMemory").value());
        assertEquals("4096", m.get("host/PagedInMemory").value());
        assertEquals("8192", m.get("host/PagedOutMemory").value());
        assertEquals("KiB", m.get("host/PagedOutMemory").unit().orElseThrow());
        // utime 250 + stime 125 ticks
        assertEquals("3.750000", m.get("vm/TotalCPUTime").value());
        assertEquals("4", m.get("vm/ResourceProcessorLimit").value());
        assertEquals("1048576", m.get("vm/PhysicalMemoryAllocatedToVirtualSystem").value());
        assertEquals("1048576", m.get("vm/ResourceMemoryLimit").value());
    }

    @Test
    void theVmCpuTimeIsZeroBeforeQemuAndKeepsItsLastValueOnceQemuIsGone(@TempDir Path dir) throws Exception {
        Path proc = FakeProc.create(dir, 4242);
        MetricsCollector c = new MetricsCollector(proc, CLOCK, "qvmm test", 1, 1L << 20);
        assertEquals("0.000000", byName(c.collect()).get("vm/TotalCPUTime").value());
        c.qemuStarted(4242);
        assertEquals("3.750000", byName(c.collect()).get("vm/TotalCPUTime").value());
        Files.delete(proc.resolve("4242/stat"));
        assertEquals("3.750000", byName(c.collect()).get("vm/TotalCPUTime").value());
    }

    @Test
    void theXmlIsKubeVirtsShape(@TempDir Path dir) throws Exception {
        String xml = MetricsXml.render(List.of(Metric.host("HostName", "string", null, "node01"),
                Metric.host("Time", "int64", "s", "1619008605"), Metric.vm("Odd", "string", null, "<&\"'>")));
        assertEquals("""
                <metrics>
                  <metric type="string" context="host">
                    <name>HostName</name>
                    <value>node01</value>
                  </metric>
                  <metric type="int64" context="host" unit="s">
                    <name>Time</name>
                    <value>1619008605</value>
                  </metric>
                  <metric type="string" context="vm">
                    <name>Odd</name>
                    <value>&lt;&amp;&#34;&#39;&gt;</value>
                  </metric>
                </metrics>""", xml);
        assertTrue(MetricsXml.render(List.of()).endsWith("</metrics>"));
    }
}
