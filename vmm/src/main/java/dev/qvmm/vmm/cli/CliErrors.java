package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecProblem;

import java.io.PrintWriter;

/** How every command reports a {@link VmmException}, and the exit code that goes with it. */
final class CliErrors {

    /** Bad input: the spec is unreadable or invalid, the host config is, or a spec path is outside the allowed roots. */
    static final int INVALID_INPUT = 2;
    /** Anything else that failed. */
    static final int FAILED = 1;

    private CliErrors() {
    }

    static int report(VmmException e, PrintWriter err) {
        if (e.kind() == VmmException.Kind.SPEC_INVALID) {
            err.println(e.subject() + ": " + e.problems().size() + (e.problems().size() == 1 ? " problem:" : " problems:"));
            for (SpecProblem p : e.problems()) {
                err.println("  " + p);
            }
        } else {
            err.println("error: " + e.getMessage());
        }
        err.flush();
        return switch (e.kind()) {
            case SPEC_INVALID, SPEC_UNREADABLE, HOST_CONFIG_INVALID, PATH_NOT_ALLOWED, PATH_ESCAPES_ROOT -> INVALID_INPUT;
            default -> FAILED;
        };
    }
}
