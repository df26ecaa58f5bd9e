package dev.qvmm.bench.plan;

import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.storage.ArgvRenderer;
import dev.qvmm.vmm.storage.HostFacts;
import dev.qvmm.vmm.storage.QemuCapabilities;
import dev.qvmm.vmm.storage.StoragePlanner;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Planning a VM with 1, 16 and 64 virtio disks (auto iothreads, multiqueue): reading and validating
 * the YAML ({@link #readAndPlan}), and planning plus rendering the argv from an already read spec
 * ({@link #planAndRender}). Target: at most 5 ms for 64 disks, end to end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlanBenchmark {

    @Param({"1", "16", "64"})
    int disks;

    String yaml;
    VmSpec spec;
    HostFacts facts;
    QemuCapabilities qemu;

    @Setup
    public void setup() {
        StringBuilder d = new StringBuilder();
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < disks; i++) {
            d.append("      - {name: disk").append(i).append(", disk: {bus: virtio}, serial: SER").append(i)
                    .append(i % 8 == 0 ? ", dedicatedIOThread: true}\n" : "}\n");
            v.append(i % 2 == 0 ? "  - {name: disk" + i + ", persistentVolumeClaim: {claimName: claim" + i + "}}\n"
                    : "  - {name: disk" + i + ", emptyDisk: {capacity: 1Gi}}\n");
        }
        yaml = "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: bench}\nspec:\n  domain:\n"
                + "    ioThreadsPolicy: auto\n    cpu: {cores: 4}\n    resources: {requests: {memory: 1Gi}}\n"
                + "    devices:\n      blockMultiQueue: true\n      disks:\n" + d + "  volumes:\n" + v;
        facts = HostFacts.example();
        qemu = QemuCapabilities.qemu72();
        spec = SpecReader.read(yaml, "bench.yaml", SpecContext.defaults()).spec();
    }

    @Benchmark
    public List<String> readAndPlan() {
        VmSpec s = SpecReader.read(yaml, "bench.yaml", SpecContext.defaults()).spec();
        return ArgvRenderer.argv(StoragePlanner.plan(s, facts, qemu));
    }

    @Benchmark
    public List<String> planAndRender() {
        return ArgvRenderer.argv(StoragePlanner.plan(spec, facts, qemu));
    }
}
