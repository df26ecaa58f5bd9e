package dev.qvmm.vmm.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.wire.QmpJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code qvmm doctor}: what this host offers qvmm and what it lacks, each gap with the command that
 * fills it. Exit 0 when {@code qvmm run} can work (QEMU and qemu-img present, an accelerator, a
 * writable state directory), 1 otherwise; optional pieces missing are reported, not failed.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check what this host offers qvmm and what it lacks.",
                "KVM, QEMU and its capabilities, qemu-img, virtiofsd, OVMF, passt, skopeo, xorriso, prlimit, the state directory "
                        + "and the daemon's socket, with the apt-get install line for each missing piece."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:qvmm run can work here (optional pieces may still be missing).",
                "1:Something qvmm run needs is missing or unusable.", "2:Bad command line."})
public final class DoctorCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    SocketOption socket;

    @Option(names = "--qemu", paramLabel = "BINARY", defaultValue = "qemu-system-x86_64", description = "QEMU binary (default ${DEFAULT-VALUE}).")
    String qemuBinary;

    @Option(names = "--json", description = "Print the findings as one JSON object: {\"ok\": BOOL, \"checks\": [{name, status, required, detail, fix}]}.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        DoctorHost here = new DoctorHost(java.nio.file.Path.of("/"), DoctorHost.pathOf(System.getenv("PATH")), host.stateDir(),
                socket.socket(host), qemuBinary);
        return print(DoctorChecks.all(here), json, spec.commandLine().getOut());
    }

    /** Prints the findings as text or JSON; returns the exit code they call for. */
    static int print(List<DoctorCheck> checks, boolean json, PrintWriter out) {
        boolean ok = checks.stream().noneMatch(DoctorCheck::fails);
        if (json) {
            ObjectNode root = QmpJson.mapper().createObjectNode().put("ok", ok);
            ArrayNode all = root.putArray("checks");
            for (DoctorCheck c : checks) {
                ObjectNode n = all.addObject().put("name", c.name()).put("status", c.status().name().toLowerCase(Locale.ROOT))
                        .put("required", c.required()).put("detail", c.detail());
                if (!c.fix().isEmpty()) {
                    n.put("fix", c.fix());
                }
            }
            try {
                out.println(QmpJson.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree always serialises", e);
            }
        } else {
            for (DoctorCheck c : checks) {
                String status = switch (c.status()) {
                    case OK -> "ok";
                    case WARNING -> "warning";
                    case MISSING -> c.required() ? "MISSING" : "missing";
                };
                out.printf("%-8s %-15s %s%n", status, c.name(), c.detail());
                if (!c.fix().isEmpty()) {
                    out.printf("%-8s %-15s fix: %s%n", "", "", c.fix());
                }
            }
            out.println(ok ? "qvmm run can work on this host." : "qvmm run cannot work on this host until the MISSING pieces are installed.");
        }
        out.flush();
        return ok ? 0 : CliErrors.FAILED;
    }
}
