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

    /** A byte quantity that must be readable and not negative; records a problem and returns empty otherwise. */
    Optional<Long> bytes(String path, String text) {
        Optional<Long> v = Quantity.wholeUp(text);
        if (v.isEmpty()) {
            error(path, SpecProblem.Rule.INVALID_QUANTITY, "\"" + text
                    + "\" is not a Kubernetes quantity (examples: 64M, 2Gi, 128Mi, \"134217728\")");
        }
        return v;
    }

    static String index(String path, int i) {
        return path + "[" + i + "]";
    }
}
