package dev.qvmm.bench.qmp;

import dev.qvmm.qmp.command.BlockdevAdd;
import dev.qvmm.qmp.command.DeviceAdd;
import dev.qvmm.qmp.command.QmpCommand;
import dev.qvmm.qmp.command.QueryStatus;
import dev.qvmm.qmp.wire.QmpCommandEncoder;
import dev.qvmm.qmp.wire.QmpJson;
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

import java.util.concurrent.TimeUnit;

/**
 * Outbound codec: a typed command turned into the bytes written to QEMU by
 * {@link QmpCommandEncoder}, exactly as {@code QmpClient.execute} does it (name, arguments, id).
 * {@code blockdev-add} carries a ~300 B qcow2-over-file options object and {@code device_add} a
 * virtio-blk-pci hotplug, as qvmm-blockdev renders them. Target: at most 1 us per command.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EncodeBenchmark {

    @Param({"query-status", "blockdev-add", "device_add"})
    public String command;

    private final QmpCommandEncoder encoder = new QmpCommandEncoder(QmpJson.mapper());
    private QmpCommand<?> typed;
    private long id;

    @Setup
    public void setup() {
        typed = switch (command) {
            case "query-status" -> new QueryStatus();
            case "blockdev-add" -> new BlockdevAdd(Samples.object("blockdev-add.arguments"));
            case "device_add" -> new DeviceAdd(Samples.object("device_add.arguments"));
            default -> throw new IllegalArgumentException("no sample command " + command);
        };
    }

    @Benchmark
    public byte[] encode() {
        return encoder.encode(typed.command(), typed.arguments(), ++id, false);
    }
}
