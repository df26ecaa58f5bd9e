package dev.qvmm.bench.startup;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The baseline of {@code scripts/bench startup}: exec QEMU with exactly the argv a
 * {@code qvmm run} used (its run directory's {@code qemu.argv}, minus the {@code setpriv} wrapper,
 * with the run directory moved to a fresh temporary one) and time exec -> QMP greeting read, the
 * same way qvmm waits for it (socket file, then connect and read the greeting line). Prints one
 * time in microseconds per line.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.qvmm.bench.startup.BareQemuStart QEMU_ARGV_FILE RUNS}
 */
public final class BareQemuStart {

    private BareQemuStart() {
    }

    public static void main(String[] args) throws Exception {
        List<String> argv = Files.readAllLines(Path.of(args[0]));
        int runs = Integer.parseInt(args[1]);
        if (argv.getFirst().equals("setpriv")) {
            argv = argv.subList(argv.indexOf("--") + 1, argv.size());
        }
        String runDir = argv.stream().filter(a -> a.contains("qmp.sock")).findFirst()
                .map(a -> a.substring(a.indexOf("path=") + 5, a.indexOf("/qmp.sock"))).orElseThrow(
                        () -> new IllegalArgumentException(args[0] + " has no qmp.sock chardev"));
        for (int i = 0; i < runs; i++) {
            System.out.println(once(argv, runDir));
        }
    }

    private static long once(List<String> argv, String oldRunDir) throws Exception {
        Path dir = Files.createTempDirectory("bare-qemu");
        List<String> mine = new ArrayList<>();
        for (String a : argv) {
            mine.add(a.replace(oldRunDir, dir.toString()));
        }
        Path socket = dir.resolve("qmp.sock");
        long t0 = System.nanoTime();
        Process qemu = new ProcessBuilder(mine).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        try {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket)) {
                if (!qemu.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("QEMU did not create " + socket + ": " + Files.readString(dir.resolve("qemu.log")));
                }
                Thread.sleep(5);
            }
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (buf.position() == 0 || buf.get(buf.position() - 1) != '\n') {
                    if (ch.read(buf) < 0) {
                        throw new IOException("QEMU closed the monitor before its greeting");
                    }
                }
            }
            return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
        } finally {
            qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
