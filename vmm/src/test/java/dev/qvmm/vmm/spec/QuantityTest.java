package dev.qvmm.vmm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantityTest {

    @ParameterizedTest
    @CsvSource({"64M, 64000000", "2Gi, 2147483648", "128Mi, 134217728", "134217728, 134217728", "1e3, 1000",
            "1.5Gi, 1610612736", "500m, 1", "1k, 1000", "1Ki, 1024", "0, 0", "2E, 2000000000000000000"})
    void wholeValuesRoundUp(String text, long expected) {
        assertEquals(Optional.of(expected), Quantity.wholeUp(text));
    }

    @ParameterizedTest
    @CsvSource({"2Gb", "lots", "-1Gi", "1.2.3", "Gi", "''"})
    void nonQuantitiesAreRefused(String text) {
        assertEquals(Optional.empty(), Quantity.wholeUp(text));
    }
}
