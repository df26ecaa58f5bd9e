package dev.qvmm.vmm.metrics;

import java.util.Objects;
import java.util.Optional;

/**
 * One vhostmd metric: {@code <metric type="..." context="host|vm" [unit="..."]><name/><value/></metric>}.
 *
 * @param type    vhostmd's value type: string, int64, uint32, uint64, real64
 * @param context host or vm
 */
public record Metric(String name, String type, String context, Optional<String> unit, String value) {

    public Metric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(value, "value");
    }

    static Metric host(String name, String type, String unit, String value) {
        return new Metric(name, type, "host", Optional.ofNullable(unit), value);
    }

    static Metric vm(String name, String type, String unit, String value) {
        return new Metric(name, type, "vm", Optional.ofNullable(unit), value);
    }
}
