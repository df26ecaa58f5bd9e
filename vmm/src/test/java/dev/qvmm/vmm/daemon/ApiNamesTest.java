package dev.qvmm.vmm.daemon;

import dev.qvmm.vmm.VmmException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks of what a URL brings (names, ?grace=) and the status of every error kind. */
class ApiNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "vm-1", "web.prod", "0", "a.b-c.d9", "x23456789012345678901234567890123456789012345678901234567890123"})
    void vmNamesOfDns1123SubdomainsUpTo63CharactersAreNames(String name) {
        assertTrue(ApiNames.vmName(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../x", "a/b", "-a", "a-", "A", "a_b", "a..b", ".a", "a.", "a\0b", "a\nb", "h\u043estile",
            "\uff48ostile", "a\u200bb", "x234567890123456789012345678901234567890123456789012345678901234"})
    void namesNoVmCanHaveAreNotNames(String name) {
        assertFalse(ApiNames.vmName(name), name);
    }

    @Test
    void diskAndVolumeNamesAreDnsLabelsAsKubeVirtRequires() {
        assertTrue(ApiNames.partName("cd-rom-1"));
        assertTrue(ApiNames.partName("d".repeat(63)));
        // KubeVirt's admitter refuses these as disk names (a disk name becomes a container name).
        assertFalse(ApiNames.partName("cd_ROM-1.iso"));
        assertFalse(ApiNames.partName("d".repeat(64)));
        assertFalse(ApiNames.partName(".."));
        assertFalse(ApiNames.partName("../claims"));
        assertFalse(ApiNames.partName("a\0b"));
        assertFalse(ApiNames.partName("a".repeat(254)));
        assertFalse(ApiNames.partName(""));
    }

    @Test
    void graceIsOptionalAndOnlyWholeSecondsFromZeroToADay() {
        assertEquals(Optional.empty(), ApiParams.grace(new QueryStringDecoder("/v1/vms/a/stop")));
        assertEquals(Optional.of(Duration.ZERO), ApiParams.grace(new QueryStringDecoder("/v1/vms/a/stop?grace=0")));
        assertEquals(Optional.of(Duration.ofDays(1)), ApiParams.grace(new QueryStringDecoder("/v1/vms/a/stop?grace=86400")));
        for (String bad : new String[] {"-1", "abc", "1.5", "86401", "99999999999999999999", "", "5&grace=6"}) {
            ApiParams.BadRequest e = assertThrows(ApiParams.BadRequest.class, () -> ApiParams.grace(new QueryStringDecoder("/x?grace=" + bad)), bad);
            assertTrue(e.getMessage().startsWith("parameter grace="), e.getMessage());
        }
    }

    @Test
    void whatTheClientAsksWrongIs4xxAndTheSpecReadersRefusalIs422() {
        assertEquals(HttpResponseStatus.UNPROCESSABLE_ENTITY, ApiReplies.status(VmmException.Kind.SPEC_INVALID));
        assertEquals(HttpResponseStatus.UNPROCESSABLE_ENTITY, ApiReplies.status(VmmException.Kind.SPEC_UNREADABLE));
        assertEquals(HttpResponseStatus.NOT_FOUND, ApiReplies.status(VmmException.Kind.VM_NOT_FOUND));
        assertEquals(HttpResponseStatus.CONFLICT, ApiReplies.status(VmmException.Kind.VM_EXISTS));
        assertEquals(HttpResponseStatus.CONFLICT, ApiReplies.status(VmmException.Kind.VM_STATE_CONFLICT));
    }

    @Test
    void printableQuotesReplaceControlCharactersAndCutLongText() {
        assertEquals("a?b?c", ApiParams.printable("a\0b\nc"));
        assertEquals(83, ApiParams.printable("x".repeat(300)).length());
    }
}
