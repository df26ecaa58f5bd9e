package dev.qvmm.vmm.image;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A staging directory {@code <parent>/<prefix><random>/} for one pull or import, with a lock file
 * {@code <prefix><random>.lock} beside it that its owner holds locked (fcntl) from before the
 * directory exists until after it is removed. A qvmm killed mid-way leaves both behind, but the
 * kernel drops its lock; so {@link #removeAbandoned} — run by the next pull or import of the same
 * target, i.e. the same prefix — can tell a leftover (lock file free, or missing) from a staging
 * directory some live qvmm is filling (lock held, by another process or by this one) and removes
 * only the leftovers. Nothing but staging is ever removed: only names that start with the prefix.
 */
public final class StagingDirectory implements AutoCloseable {

    private static final String LOCK = ".lock";
    /**
     * This JVM's own lock files. POSIX drops every lock a process holds on a file when it closes any
     * descriptor of it, so {@link #removeAbandoned} must never open one of these: it skips them by name.
     */
    private static final Set<Path> OWNED = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;

    private StagingDirectory(Path dir, Path lockFile, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates {@code <parent>/<prefix><random>/}, its lock file taken first; {@code parent} must exist. */
    public static StagingDirectory create(Path parent, String prefix) throws IOException {
        String name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Path lockFile = parent.resolve(name + LOCK);
        OWNED.add(lockFile);
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            OWNED.remove(lockFile);
            throw e;
        }
        try {
            FileLock lock = channel.lock();
            Path dir = Files.createDirectory(parent.resolve(name));
            return new StagingDirectory(dir, lockFile, channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(lockFile);
            OWNED.remove(lockFile);
            throw e;
        }
    }

    public Path path() {
        return dir;
    }

    /** Removes the directory and then its lock file; the lock is released last. */
    @Override
    public void close() throws IOException {
        try {
            OciLayout.deleteTree(dir);
            Files.deleteIfExists(lockFile);
        } finally {
            try {
                lock.release();
            } finally {
                channel.close();
                OWNED.remove(lockFile);
            }
        }
    }

    /**
     * Removes every staging directory under {@code parent} named {@code <prefix>...} whose owner is
     * gone (its lock file is missing or not locked), with its lock file. Best effort: one that
     * cannot be removed is left for the next time and does not fail the caller. Returns what it removed.
     */
    public static List<Path> removeAbandoned(Path parent, String prefix) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return removed;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(parent)) {
            dirs = s.filter(p -> p.getFileName().toString().startsWith(prefix) && !p.getFileName().toString().endsWith(LOCK)
                    && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException e) {
            return removed;
        }
        for (Path d : dirs) {
            Path lockFile = d.resolveSibling(d.getFileName() + LOCK);
            if (OWNED.contains(lockFile)) {
                continue; // this JVM is filling it
            }
            // An owner takes its lock file before it makes the directory and removes it after: a directory without
            // one is a leftover, and one whose lock is free lost its owner.
            try (FileChannel c = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                FileLock l;
                try {
                    l = c.tryLock();
                } catch (OverlappingFileLockException ours) {
                    continue; // this JVM is filling it
                }
                if (l == null) {
                    continue; // another live process is filling it
                }
                try {
                    OciLayout.deleteTree(d);
                    Files.deleteIfExists(lockFile);
                    removed.add(d);
                } finally {
                    l.release();
                }
            } catch (NoSuchFileException noLock) {
                try {
                    OciLayout.deleteTree(d);
                    removed.add(d);
                } catch (IOException e) {
                    // left for the next time
                }
            } catch (IOException e) {
                // left for the next time
            }
        }
        // Lock files whose directory is gone (killed between the two removals, or before the directory was made).
        try (Stream<Path> s = Files.list(parent)) {
            for (Path lockFile : s.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(LOCK)).toList()) {
                String name = lockFile.getFileName().toString();
                if (OWNED.contains(lockFile) || Files.exists(lockFile.resolveSibling(name.substring(0, name.length() - LOCK.length())))) {
                    continue;
                }
                try (FileChannel c = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    FileLock l = c.tryLock();
                    if (l != null) {
                        try {
                            Files.deleteIfExists(lockFile);
                        } finally {
                            l.release();
                        }
                    }
                } catch (OverlappingFileLockException | IOException e) {
                    // held here or gone: nothing to do
                }
            }
        } catch (IOException e) {
            // best effort
        }
        return removed;
    }
}
