package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecProblem;

import java.io.PrintWriter;

/** How every command reports a {@link VmmException}, and the exit code that goes with it. */
final class CliErrors {

    /**
     * Bad input, found while reading or while preparing: the spec, the host config, or what they name (a path outside
     * the allowed roots, a missing ConfigMap key, an image of a rejected format...); see {@link VmmException.Kind#userInput()}.
     */
    static final int INVALID_INPUT = 2;
    /** Anything else that failed. */
    static final int FAILED = 1;

    private CliErrors() {
    }

    static int report(VmmException e, PrintWriter err) {
        // Whichever layer found them (the reader's limits, admission, planning), problems are reported alike.
        if (!e.problems().isEmpty()) {
            err.println(e.subject() + ": " + e.problems().size() + (e.problems().size() == 1 ? " problem:" : " problems:"));
            for (SpecProblem p : e.problems()) {
                err.println("  " + p);
            }
        } else if (e.kind().userInput()) {
            // Bad input found where no field path is known (planning, preparing): the same report, one problem.
            err.println(e.subject() + ": 1 problem:");
            e.getMessage().lines().forEach(l -> err.println("  " + l));
        } else {
            err.println("error: " + e.getMessage());
        }
        err.flush();
        return e.kind().userInput() ? INVALID_INPUT : FAILED;
    }
}
