package dev.qvmm.bench.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.QmpEvent;
import dev.qvmm.qmp.command.BlockdevAdd;
import dev.qvmm.qmp.command.BlockdevDel;
import dev.qvmm.qmp.command.DeviceAdd;
import dev.qvmm.qmp.command.DeviceDel;
import dev.qvmm.qmp.wire.QmpJson;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One disk hotplug cycle as the daemon runs it, measured on the QMP side against a real q35 QEMU:
 * {@code blockdev-add} (a null-co node), {@code device_add} (scsi-hd on a virtio-scsi controller),
 * {@code device_del}, the matching DEVICE_DELETED event, {@code blockdev-del}. A SCSI unplug
 * completes without the guest's help, so no guest runs (QEMU is started with -S); the figure is
 * qvmm's and QEMU's, not a guest's. Target: p50 at most 5 ms.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class HotplugBenchmark {

    private static final Duration RELEASE = Duration.ofSeconds(10);

    @State(Scope.Benchmark)
    public static class Machine {
        QemuProcess qemu;
        QmpClient client;
        BlockdevAdd node;
        DeviceAdd disk;

        @Setup(Level.Trial)
        public void start() {
            qemu = QemuProcess.start(List.of("-machine", "q35", "-device", "virtio-scsi-pci,id=scsi0"));
            client = QmpClient.connect(qemu.socket());
            ObjectNode n = QmpJson.mapper().createObjectNode().put("driver", "null-co").put("node-name", "hp0")
                    .put("size", 64L << 20);
            node = new BlockdevAdd(n);
            disk = new DeviceAdd(QmpJson.mapper().createObjectNode().put("driver", "scsi-hd").put("id", "hpdisk0")
                    .put("bus", "scsi0.0").put("drive", "hp0"));
            run(this); // once, so a refusal shows in the setup, not as a slow sample
        }

        @TearDown(Level.Trial)
        public void stop() {
            try {
                if (client != null) {
                    client.close();
                }
            } finally {
                qemu.close();
            }
        }
    }

    @Benchmark
    public QmpEvent cycle(Machine m) {
        return run(m);
    }

    private static QmpEvent run(Machine m) {
        m.client.execute(m.node).join();
        m.client.execute(m.disk).join();
        CompletableFuture<QmpEvent> deleted = m.client.awaitEvent("DEVICE_DELETED",
                e -> "hpdisk0".equals(e.data().path("device").asText()), RELEASE);
        m.client.execute(new DeviceDel("hpdisk0")).join();
        QmpEvent e = deleted.join();
        m.client.execute(new BlockdevDel("hp0")).join();
        return e;
    }
}
