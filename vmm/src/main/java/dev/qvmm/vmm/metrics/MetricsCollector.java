package dev.qvmm.vmm.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The metrics of one VM and its host, read from {@code /proc} at each {@link #collect()}: host
 * CPU time and CPU count from {@code stat}, memory from {@code meminfo}, paging from
 * {@code vmstat}, the VM's CPU time from QEMU's {@code <pid>/stat} (zero until
 * {@link #qemuStarted(long)}; its last value once QEMU is gone), the VM's limits from the spec.
 * Names, types and units are KubeVirt's. Thread-safe.
 *
 * <p>MemoryAllocatedToVirtualServers is this VM's memory: {@code qvmm run} knows no other VM.
 */
public final class MetricsCollector {

    /** Linux's USER_HZ, the unit of the CPU times in /proc (100 on every architecture qvmm runs on). */
    static final int USER_HZ = 100;
    /** What guests tuned for KubeVirt look for; the product names qvmm. */
    public static final String VENDOR = "kubevirt.io";

    private final Path proc;
    private final Clock clock;
    private final String product;
    private final int vcpus;
    private final long memoryKiB;
    private volatile long qemuPid = -1;
    private volatile long lastVmTicks;

    public MetricsCollector(Path proc, Clock clock, String product, int vcpus, long memoryBytes) {
        this.proc = Objects.requireNonNull(proc, "proc");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.product = Objects.requireNonNull(product, "product");
        this.vcpus = vcpus;
        this.memoryKiB = memoryBytes >> 10;
    }

    /** Reads the live /proc; the product is "qvmm" and its version when the jar has one. */
    public static MetricsCollector forHost(int vcpus, long memoryBytes) {
        String v = MetricsCollector.class.getPackage().getImplementationVersion();
        return new MetricsCollector(Path.of("/proc"), Clock.systemUTC(), "qvmm " + (v != null ? v : "development"), vcpus,
                memoryBytes);
    }

    public void qemuStarted(long pid) {
        qemuPid = pid;
    }

    /** The metrics now, host ones first, in KubeVirt's order. */
    public List<Metric> collect() throws IOException {
        String hostname = Files.readString(proc.resolve("sys/kernel/hostname")).strip();
        long cpus = 0;
        long hostTicks = 0;
        for (String line : Files.readAllLines(proc.resolve("stat"))) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                // user nice system idle iowait irq softirq steal: all but idle and iowait is time used.
                for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                    if (i < f.length) {
                        hostTicks += Long.parseLong(f[i]);
                    }
                }
            } else if (line.startsWith("cpu") && line.length() > 3 && Character.isDigit(line.charAt(3))) {
                cpus++;
            }
        }
        Map<String, Long> mem = keyed(proc.resolve("meminfo"), ":");
        Map<String, Long> vm = keyed(proc.resolve("vmstat"), " ");
        long memFree = mem.getOrDefault("MemFree", 0L);
        long swapFree = mem.getOrDefault("SwapFree", 0L);
        long used = mem.getOrDefault("MemTotal", 0L) - memFree + mem.getOrDefault("SwapTotal", 0L) - swapFree;

        List<Metric> m = new ArrayList<>();
        m.add(Metric.host("HostName", "string", null, hostname));
        m.add(Metric.host("HostSystemInfo", "string", null, "linux"));
        m.add(Metric.host("VirtualizationVendor", "string", null, VENDOR));
        m.add(Metric.host("VirtProductInfo", "string", null, product));
        m.add(Metric.host("Time", "int64", "s", String.valueOf(clock.instant().getEpochSecond())));
        m.add(Metric.host("NumberOfPhysicalCPUs", "uint32", null, String.valueOf(cpus)));
        m.add(Metric.host("TotalCPUTime", "real64", "s", seconds(hostTicks)));
        m.add(Metric.host("FreePhysicalMemory", "uint64", "KiB", String.valueOf(memFree)));
        m.add(Metric.host("FreeVirtualMemory", "uint64", "KiB", String.valueOf(memFree + swapFree)));
        m.add(Metric.host("MemoryAllocatedToVirtualServers", "uint64", "KiB", String.valueOf(memoryKiB)));
        m.add(Metric.host("UsedVirtualMemory", "uint64", "KiB", String.valueOf(used)));
        // pgpgin/pgpgout already count KiB.
        m.add(Metric.host("PagedInMemory", "uint64", "KiB", String.valueOf(vm.getOrDefault("pgpgin", 0L))));
        m.add(Metric.host("PagedOutMemory", "uint64", "KiB", String.valueOf(vm.getOrDefault("pgpgout", 0L))));
        m.add(Metric.vm("TotalCPUTime", "real64", "s", seconds(vmTicks())));
        m.add(Metric.vm("ResourceProcessorLimit", "uint32", null, String.valueOf(vcpus)));
        m.add(Metric.vm("PhysicalMemoryAllocatedToVirtualSystem", "uint64", "KiB", String.valueOf(memoryKiB)));
        m.add(Metric.vm("ResourceMemoryLimit", "uint64", "KiB", String.valueOf(memoryKiB)));
        return m;
    }

    /** utime + stime of QEMU: fields 14 and 15 of its stat, counted after the parenthesised command. */
    private long vmTicks() {
        long pid = qemuPid;
        if (pid <= 0) {
            return lastVmTicks;
        }
        try {
            String stat = Files.readString(proc.resolve(pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            lastVmTicks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            // QEMU has exited (or is exiting): its CPU time stays what it last was.
        }
        return lastVmTicks;
    }

    private static String seconds(long ticks) {
        return String.format(Locale.ROOT, "%.6f", ticks / (double) USER_HZ);
    }

    /** "key<sep> number [kB]" lines as key -> number. */
    private static Map<String, Long> keyed(Path file, String sep) throws IOException {
        Map<String, Long> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int at = line.indexOf(sep);
            if (at <= 0) {
                continue;
            }
            String[] v = line.substring(at + 1).trim().split("\\s+");
            try {
                out.put(line.substring(0, at).trim(), Long.parseLong(v[0]));
            } catch (NumberFormatException e) {
                // not a counter
            }
        }
        return out;
    }
}
