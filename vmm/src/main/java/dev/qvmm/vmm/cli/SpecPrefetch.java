package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The spec of a {@code run} or {@code plan} read on the other core while Picocli parses the command
 * line (its model alone costs a cold JVM ~100 ms, as much as the first read of a spec): every
 * argument that names a readable .yaml, .yml or .json file is read, with the default context. The
 * command then takes that result when it reads the same file with the same context, else reads
 * again. Reading a spec has no effect on the host, so a guess that was not the spec costs nothing
 * but the CPU; a read that failed is done again by the command, which reports it.
 */
final class SpecPrefetch {

    private static final Map<Path, CompletableFuture<SpecReader.Result>> READS = new ConcurrentHashMap<>();

    private SpecPrefetch() {
    }

    /** Reads, on this thread, every spec file among {@code args} (for the warm-up thread). */
    static void readAll(String[] args) {
        boolean any = false;
        for (String a : args) {
            if (a.endsWith(".yaml") || a.endsWith(".yml") || a.endsWith(".json")) {
                Path p = Path.of(a).toAbsolutePath().normalize();
                if (Files.isRegularFile(p) && Files.isReadable(p)) {
                    CompletableFuture<SpecReader.Result> read = new CompletableFuture<>();
                    if (READS.putIfAbsent(p, read) == null) {
                        any = true;
                        try {
                            read.complete(SpecReader.read(p, SpecContext.defaults()));
                        } catch (RuntimeException e) {
                            read.completeExceptionally(e);
                        }
                    }
                }
            }
        }
        if (!any) {
            SpecReader.warmUp();
        }
    }

    /** The spec at {@code file}: the prefetched read when it matches, else a read now. */
    static SpecReader.Result read(Path file, SpecContext context) {
        CompletableFuture<SpecReader.Result> prefetched = READS.remove(file.toAbsolutePath().normalize());
        if (prefetched != null && context.equals(SpecContext.defaults())) {
            try {
                return prefetched.join();
            } catch (RuntimeException e) {
                // read again below, so the error comes from this thread with this file's name
            }
        }
        return SpecReader.read(file, context);
    }
}
