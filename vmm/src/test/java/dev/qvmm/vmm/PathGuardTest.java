package dev.qvmm.vmm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.launch.RunDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guard behind the name validators: paths built from names stay strictly under their root, and
 * removal never reaches outside it or removes the root. User files are planted where each bad
 * name would lead, and must be byte-identical afterwards.
 */
class PathGuardTest {

    @TempDir
    Path top;

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "", "a/b", "../x", "/abs", "nul\u0000", "../../../../tmp/x/pwn"})
    void aNameThatIsNotOnePathComponentIsRefused(String name) {
        VmmException e = assertThrows(VmmException.class, () -> PathGuard.child(top, "claim", name));
        assertEquals(VmmException.Kind.PATH_ESCAPES_ROOT, e.kind());
        assertFalse(e.getMessage().contains("\u0000"), "the message shows control characters escaped");
    }

    @Test
    void aGoodNameStaysUnderItsRoot() {
        assertEquals(top.resolve("claims/data/disk.img"), PathGuard.child(top.resolve("claims"), "claim", "data", "disk.img"));
    }

    @Test
    void insideRefusesTheRootItselfAndWhatLeavesIt() {
        assertThrows(VmmException.class, () -> PathGuard.inside(top, Path.of("."), "x"));
        assertThrows(VmmException.class, () -> PathGuard.inside(top, Path.of("a/../.."), "x"));
        assertThrows(VmmException.class, () -> PathGuard.inside(top, Path.of("/etc/shadow"), "x"));
        assertEquals(top.resolve("boot/vmlinuz"), PathGuard.inside(top, Path.of("boot/../boot/vmlinuz"), "x"));
    }

    @Test
    void aSymbolicLinkInsideAnImageCannotPointOutside() throws IOException {
        Path image = Files.createDirectories(top.resolve("image"));
        Path secret = Files.writeString(top.resolve("shadow"), "root:x");
        Files.createDirectories(image.resolve("boot"));
        Files.createSymbolicLink(image.resolve("boot/initrd"), secret);
        Files.createSymbolicLink(image.resolve("etc"), top);
        VmmException e = assertThrows(VmmException.class, () -> PathGuard.realChild(image, image.resolve("boot/initrd"), "kernelBoot initrdPath"));
        assertEquals(VmmException.Kind.PATH_ESCAPES_ROOT, e.kind());
        assertTrue(e.getMessage().contains(secret.toString()), e.getMessage());
        assertThrows(VmmException.class, () -> PathGuard.realChild(image, image.resolve("etc/shadow"), "kernelBoot kernelPath"));
        Path kernel = Files.writeString(image.resolve("boot/vmlinuz"), "k");
        Files.createSymbolicLink(image.resolve("vmlinuz"), Path.of("boot/vmlinuz"));
        assertEquals(kernel.toRealPath(), PathGuard.realChild(image, image.resolve("vmlinuz"), "kernelBoot kernelPath"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "a/b", "../victim", "/abs", "../../outside"})
    void aRunDirectoryCannotBeNamedOutOfItsRoot(String name) throws IOException {
        Path state = Files.createDirectories(top.resolve("a/b/state"));
        List<Path> planted = plant(state);
        assertThrows(VmmException.class, () -> RunDirectory.create(state, name));
        assertThrows(VmmException.class, () -> RunDirectory.of(state, name));
        assertPlantedIntact(planted);
    }

    @Test
    void removingARunDirectoryLeavesEverythingAroundIt() throws IOException {
        Path state = Files.createDirectories(top.resolve("state"));
        List<Path> planted = plant(state);
        RunDirectory run = RunDirectory.create(state, "vm");
        Files.writeString(run.consoleLog(), "boot");
        // A link in the run directory to a user directory is removed as a link; what it points at stays.
        Files.createSymbolicLink(run.file("elsewhere"), top.resolve("victim"));
        run.remove();
        assertFalse(Files.exists(run.path()));
        assertTrue(Files.isDirectory(state.resolve("run")), "the run root itself stays");
        assertPlantedIntact(planted);
    }

    @Test
    void aRunDirectoryThatIsASymbolicLinkIsNotWrittenInto() throws IOException {
        Path state = Files.createDirectories(top.resolve("state"));
        List<Path> planted = plant(state);
        Files.createDirectories(state.resolve("run"));
        Files.createSymbolicLink(state.resolve("run/vm"), top.resolve("victim"));
        assertThrows(VmmException.class, () -> RunDirectory.create(state, "vm"));
        RunDirectory.of(state, "vm").remove();
        assertFalse(Files.exists(state.resolve("run/vm"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "only the link goes");
        assertPlantedIntact(planted);
    }

    @Test
    void aRunDirectoryIsNeverItsOwnRoot() {
        assertThrows(VmmException.class, () -> new RunDirectory(top, top));
        assertThrows(VmmException.class, () -> new RunDirectory(top.resolve("run"), top));
    }

    /** User files where a traversal from {@code state} would land: beside it, above it, in it, in a claim. */
    private List<Path> plant(Path state) throws IOException {
        List<Path> files = List.of(top.resolve("victim/file"), top.resolve("outside/file"), top.resolve("a/victim/file"),
                state.resolve("user-file"), state.resolve("claims/data/disk.img"), state.getParent().resolve("victim/file"));
        for (Path f : files) {
            Files.createDirectories(f.getParent());
            Files.write(f, content(f));
        }
        return files;
    }

    private static byte[] content(Path f) {
        return ("user data at " + f).getBytes(StandardCharsets.UTF_8);
    }

    private static void assertPlantedIntact(List<Path> files) throws IOException {
        for (Path f : files) {
            assertArrayEquals(content(f), Files.readAllBytes(f), f.toString());
        }
        try (Stream<Path> s = Files.walk(files.getFirst().getParent().getParent())) {
            assertTrue(s.count() > 0);
        }
    }
}
