package dev.qvmm.vmm.launch;

import dev.qvmm.virtiofsd.Virtiofsd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A virtiofsd as a {@link Companion}: one per filesystem, started before QEMU. Its pid is written
 * beside its socket ({@code <name>.pid}) for people and tests. {@link #failure()} completes when
 * the daemon exits before {@link #close()}: the caller must still tell a daemon that died from
 * one that left because QEMU went away (it exits when its frontend disconnects). On close it is
 * stopped, its socket and pid file removed, and a directory the run wrote for it (a ConfigMap
 * from the YAML stream) deleted; a user's shared directory is never touched.
 */
public final class VirtiofsdCompanion implements Companion {

    private final String name;
    private final Virtiofsd daemon;
    private final Path pidFile;
    private final Optional<Path> ownedDirectory;
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    private volatile boolean closing;

    public VirtiofsdCompanion(String name, Virtiofsd daemon, Optional<Path> ownedDirectory) throws IOException {
        this.name = name;
        this.daemon = daemon;
        this.ownedDirectory = ownedDirectory;
        this.pidFile = daemon.socket().resolveSibling(name + ".pid");
        Files.writeString(pidFile, daemon.pid() + "\n");
        daemon.exit().thenAccept(code -> {
            if (!closing) {
                String how = code > 128 ? "was killed by signal " + (code - 128) : "exited with code " + code;
                String log = daemon.logTail();
                failure.complete("virtiofsd (pid " + daemon.pid() + ", sharing " + daemon.share().sharedDir() + ") " + how
                        + (log.isEmpty() ? "" : "; its log " + daemon.log() + " ends: " + lastLine(log)));
            }
        });
    }

    @Override
    public String forName() {
        return name;
    }

    public Virtiofsd daemon() {
        return daemon;
    }

    @Override
    public CompletableFuture<String> failure() {
        return failure;
    }

    @Override
    public void close() {
        closing = true;
        daemon.close();
        try {
            Files.deleteIfExists(pidFile);
            if (ownedDirectory.isPresent() && Files.exists(ownedDirectory.get())) {
                try (Stream<Path> files = Files.walk(ownedDirectory.get())) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException ignored) {
            // what is left lives in the run directory, which goes with the VM
        }
    }

    private static String lastLine(String log) {
        return log.lines().reduce((a, b) -> b).orElse("");
    }
}
