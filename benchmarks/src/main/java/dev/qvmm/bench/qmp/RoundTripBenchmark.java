package dev.qvmm.bench.qmp;

import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.command.QueryStatus;
import dev.qvmm.qmp.command.StatusInfo;
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

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One {@code query-status} round trip against a real, idle QEMU, sampled per call so that the
 * median and the tail are both known: {@link #qvmm} through {@link QmpClient} (caller thread ->
 * epoll I/O thread -> QEMU -> I/O thread completes the future -> caller wakes) and
 * {@link #baseline} through {@link BaselineQmpClient}, which does all of it on the caller's thread.
 * The difference is what qvmm's asynchronous, multi-caller design costs a single caller.
 * Targets: qvmm's p50 at most 1.2 times the baseline's, its p99 at most 1.5 times.
 *
 * <p>Each client gets its own QEMU (started per trial), because QEMU serves one QMP client at a
 * time; QEMU's own time is in both figures.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
// Longer than the codec benchmarks: p99 needs samples spread over time, not just many samples.
@Measurement(iterations = 8, time = 2)
// Netty loads its epoll library through JNI; JDK 24+ warns unless native access is granted.
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RoundTripBenchmark {

    private static final QueryStatus QUERY_STATUS = new QueryStatus();

    /** qvmm's client, with default options, on its own QEMU. */
    @State(Scope.Benchmark)
    public static class Qvmm {
        QemuProcess qemu;
        QmpClient client;

        @Setup(Level.Trial)
        public void start() {
            qemu = QemuProcess.start();
            client = QmpClient.connect(qemu.socket());
            expectPrelaunch(client.execute(QUERY_STATUS).join());
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

    /** The blocking baseline client on its own QEMU. */
    @State(Scope.Benchmark)
    public static class Baseline {
        QemuProcess qemu;
        BaselineQmpClient client;

        @Setup(Level.Trial)
        public void start() throws IOException {
            qemu = QemuProcess.start();
            client = BaselineQmpClient.connect(qemu.socket());
            expectPrelaunch(client.queryStatus());
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
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
    public StatusInfo qvmm(Qvmm state) {
        return state.client.execute(QUERY_STATUS).join();
    }

    @Benchmark
    public StatusInfo baseline(Baseline state) throws IOException {
        return state.client.queryStatus();
    }

    /** A QEMU started with -S reports "prelaunch": proof the reply was read and converted. */
    private static void expectPrelaunch(StatusInfo status) {
        if (!"prelaunch".equals(status.status()) || status.running()) {
            throw new IllegalStateException("query-status on a QEMU started with -S returned " + status);
        }
    }
}
