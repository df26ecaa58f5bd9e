package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code src/test/resources/golden/<case>.yaml} renders exactly to {@code <case>.args}. A
 * missing or different golden is written to {@code <case>.args.new} for review and the case fails;
 * nothing is ever accepted automatically (rename the .new file after reading it).
 */
class GoldenTest {

    @TestFactory
    Stream<DynamicTest> goldens() throws Exception {
        return Golden.cases().stream().map(c -> DynamicTest.dynamicTest(c, () -> check(c)));
    }

    @Test
    void thereAreAtLeastFortyCases() throws Exception {
        assertTrue(Golden.cases().size() >= 40, "only " + Golden.cases().size() + " golden cases");
    }

    private static void check(String name) throws Exception {
        Path yaml = Golden.DIR.resolve(name + ".yaml");
        Path args = Golden.DIR.resolve(name + ".args");
        Path fresh = Golden.DIR.resolve(name + ".args.new");
        String actual = Golden.render(Files.readString(yaml), name + ".yaml");
        if (!Files.exists(args)) {
            Files.writeString(fresh, actual);
            fail("no golden " + args + "; wrote " + fresh + " for review (rename it to .args once checked)");
        }
        String expected = Files.readString(args);
        if (!expected.equals(actual)) {
            Files.writeString(fresh, actual);
        } else {
            Files.deleteIfExists(fresh);
        }
        assertEquals(expected, actual, "golden " + args + " differs; the actual rendering is in " + fresh);
    }

    /** Every runnable example in examples/ plans without error (and so is a complete, valid spec). */
    @TestFactory
    Stream<DynamicTest> examplesPlan() throws Exception {
        Path dir = Path.of("../examples");
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 15, "examples/ has only " + files.size() + " specs");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            String rendered = Golden.render(text.contains("reservation: true")
                    ? "# qvmm-facts: persistent-reservation\n" + text : text, f.toString());
            assertTrue(!rendered.contains("# error"), f + " does not plan:\n" + rendered);
        }));
    }
}
