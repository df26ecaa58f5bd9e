package dev.qvmm.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staging directories: a leftover of a killed owner is removed by the next user of the prefix, a live one never. */
class StagingDirectoryTest {

    @TempDir
    Path dir;

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aStagingDirectoryAndItsLockGoWhenClosed() throws Exception {
        try (StagingDirectory s = StagingDirectory.create(dir, ".import-")) {
            Files.writeString(s.path().resolve("disk.img"), "partial");
            assertEquals(2, names().size(), names().toString());
            assertEquals(List.of(), StagingDirectory.removeAbandoned(dir, ".import-"), "this JVM's own staging is live");
            assertTrue(Files.exists(s.path()));
        }
        assertEquals(List.of(), names());
    }

    @Test
    void leftoversOfTheSamePrefixAreRemovedWhateverStateTheKillLeftThemIn() throws Exception {
        Files.createDirectories(dir.resolve(".import-aaaa/sub"));                 // no lock file
        Files.writeString(dir.resolve(".import-aaaa/sub/disk.img"), "partial");
        Files.createDirectories(dir.resolve(".import-bbbb"));                      // lock file, nobody holds it
        Files.createFile(dir.resolve(".import-bbbb.lock"));
        Files.createFile(dir.resolve(".import-cccc.lock"));                        // killed between the two removals
        Files.writeString(dir.resolve("disk.img"), "the user's");
        Files.createDirectories(dir.resolve(".pull-dddd"));                        // another prefix
        List<Path> removed = StagingDirectory.removeAbandoned(dir, ".import-");
        assertEquals(2, removed.size(), removed.toString());
        assertEquals(List.of(".pull-dddd", "disk.img"), names());
        assertEquals("the user's", Files.readString(dir.resolve("disk.img")));
    }

    @Test
    void aStagingDirectoryAnotherLiveProcessHoldsIsLeftAlone() throws Exception {
        Path d = Files.createDirectories(dir.resolve(".import-eeee"));
        Path lock = Files.createFile(dir.resolve(".import-eeee.lock"));
        // python's lockf is fcntl(F_SETLK), the lock the JDK takes: the same kind a live qvmm holds.
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'w')\n"
                + "fcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\nsys.stdin.read()", lock.toString()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            assertEquals(List.of(), StagingDirectory.removeAbandoned(dir, ".import-"));
            assertTrue(Files.exists(d) && Files.exists(lock), "a live owner's staging stays");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of(d), StagingDirectory.removeAbandoned(dir, ".import-"), "once its owner is gone, it goes");
        assertFalse(Files.exists(lock));
    }
}
