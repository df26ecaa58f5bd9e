package dev.qvmm.vmm.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects every problem and warning of one read, so all are reported in one pass. Not thread-safe. */
final class Problems {

    final List<SpecProblem> problems = new ArrayList<>();
    final List<SpecWarning> warnings = new ArrayList<>();

    void error(String path, SpecProblem.Rule rule, String message) {
        problems.add(new SpecProblem(path, rule, message));
    }

    void warn(String path, String message) {
        warnings.add(new SpecWarning(path, message));
    }

    void warn(String path, SpecWarning.Kind kind, String message) {
        warnings.add(new SpecWarning(path, kind, message));
    }

    /**
     * The largest disk, claim or volume size read: 1 PiB. qcow2 with its default 64 KiB clusters addresses
     * 2 PiB at most, and no single device sold today comes near it; anything larger is a typo or an overflow.
     */
    static final long MAX_BYTES = 1L << 50;

    /**
     * A byte quantity that must be readable, not negative and at most {@link #MAX_BYTES}; records a problem
     * naming the field and returns empty otherwise.
     */
    Optional<Long> bytes(String path, String text) {
        Optional<java.math.BigDecimal> exact = Quantity.parse(text);
        if (exact.isEmpty()) {
            error(path, SpecProblem.Rule.INVALID_QUANTITY, "\"" + text
                    + "\" is not a Kubernetes quantity (examples: 64M, 2Gi, 128Mi, \"134217728\")");
            return Optional.empty();
        }
        if (exact.get().signum() < 0) {
            error(path, SpecProblem.Rule.INVALID_QUANTITY, "\"" + text + "\" is negative; give a size such as 10Gi");
            return Optional.empty();
        }
        if (exact.get().compareTo(java.math.BigDecimal.valueOf(MAX_BYTES)) > 0) {
            error(path, SpecProblem.Rule.OUT_OF_RANGE, "\"" + text + "\" is over the 1Pi (" + MAX_BYTES
                    + " bytes) qvmm accepts for a size; give a size such as 10Gi");
            return Optional.empty();
        }
        return Quantity.wholeUp(text);
    }

    static String index(String path, int i) {
        return path + "[" + i + "]";
    }
}
