package dev.qvmm.vmm.spec;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled warm-up spec must stay a valid spec that reaches every deserializer a user's spec
 * is likely to need; an invalid one would only warm the error path, silently.
 */
class SpecReaderWarmUpTest {

    @Test
    void theWarmUpSpecIsValidAndNamesManyVolumeSources() throws Exception {
        String text;
        try (InputStream in = SpecReader.class.getResourceAsStream("warm-up.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        SpecReader.Result r = SpecReader.read(text, "warm-up.yaml", new SpecContext(false));
        assertEquals(java.util.List.of(), r.warnings(), "the warm-up spec draws warnings");
        Set<String> sources = r.spec().disks().stream()
                .map(d -> d.volume().source().getClass().getSimpleName()).collect(Collectors.toSet());
        assertTrue(sources.size() >= 8, "the warm-up spec reaches only " + sources);
    }

    @Test
    void warmUpNeverThrows() {
        SpecReader.warmUp();
        SpecReader.warmUp();
    }
}
