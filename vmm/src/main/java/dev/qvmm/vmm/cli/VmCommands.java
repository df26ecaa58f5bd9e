package dev.qvmm.vmm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.VmmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The virtctl-like commands: each one request to the daemon's API, its answer printed. Exit 0 on
 * success, 2 when the daemon rejected the input (invalid spec), 1 otherwise.
 */
final class VmCommands {

    private VmCommands() {
    }

    /** What every client command shares: where the daemon is, and how an answer is printed. */
    abstract static class Client implements Callable<Integer> {
        @CommandLine.Mixin
        HostOptions host;

        @CommandLine.Mixin
        SocketOption socket;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        ApiClient api() {
            return new ApiClient(socket.socket(host));
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public final Integer call() {
            try {
                return run();
            } catch (VmmException e) {
                return CliErrors.report(e, spec.commandLine().getErr());
            }
        }

        abstract int run();

        /** Prints a VM status answer as one line, or the daemon's error; returns the exit code. */
        int printStatus(ApiClient.Response r) {
            if (!r.ok()) {
                return printError(r);
            }
            out().println(line(parse(r.body())));
            out().flush();
            return 0;
        }

        int printError(ApiClient.Response r) {
            PrintWriter err = spec.commandLine().getErr();
            JsonNode e = parse(r.body());
            err.println("error: " + e.path("error").asText(r.body().strip()));
            for (JsonNode p : e.path("problems")) {
                err.println("  " + p.asText());
            }
            err.flush();
            return r.status() == 422 ? CliErrors.INVALID_INPUT : CliErrors.FAILED;
        }

        static JsonNode parse(String body) {
            try {
                return QmpJson.mapper().readTree(body);
            } catch (IOException e) {
                return QmpJson.mapper().createObjectNode().put("error", body.strip());
            }
        }

        static String line(JsonNode s) {
            String msg = s.path("message").asText("");
            return s.path("vm").asText() + " " + s.path("phase").asText() + " " + s.path("reason").asText()
                    + (msg.isEmpty() ? "" : ": " + msg);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a VM in the daemon from a KubeVirt YAML stream.", "It starts unless its runStrategy is Halted or Manual."})
    static final class Create extends Client {
        @Parameters(paramLabel = "FILE", description = "VirtualMachineInstance or VirtualMachine YAML/JSON (- for stdin).")
        String file;

        @Override
        int run() {
            String yaml;
            try {
                yaml = file.equals("-") ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file));
            } catch (IOException e) {
                throw new VmmException(VmmException.Kind.SPEC_UNREADABLE, file, "cannot read " + file + ": " + e.getMessage(), java.util.List.of(), e);
            }
            return printStatus(api().call("POST", "/v1/vms", yaml));
        }
    }

    /** start, stop, restart, pause, resume: one VM, one operation, answered when done. */
    abstract static class Operation extends Client {
        @Parameters(paramLabel = "NAME", description = "The VM.")
        String name;

        @Option(names = "--grace", paramLabel = "SECONDS", description = "Grace period for a stop, overriding the VM's own "
                + "(default: the spec's terminationGracePeriodSeconds, else 30).")
        Long grace;

        abstract String operation();

        @Override
        int run() {
            return printStatus(api().call("POST", "/v1/vms/" + name + "/" + operation() + (grace != null ? "?grace=" + grace : ""), ""));
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a stopped VM; answers once it runs.")
    static final class Start extends Operation {
        String operation() {
            return "start";
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Power the guest off (ACPI, then quit after the grace period).")
    static final class Stop extends Operation {
        String operation() {
            return "stop";
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Stop, then start the VM again.")
    static final class Restart extends Operation {
        String operation() {
            return "restart";
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause the guest's vCPUs.")
    static final class Pause extends Operation {
        String operation() {
            return "pause";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused guest (also after an I/O error pause).")
    static final class Resume extends Operation {
        String operation() {
            return "resume";
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Stop the VM if it runs and forget it; its claims and host disks stay.")
    static final class Delete extends Client {
        @Parameters(paramLabel = "NAME", description = "The VM.")
        String name;

        @Option(names = "--grace", paramLabel = "SECONDS", description = "Grace period for the stop, overriding the VM's own "
                + "(default: the spec's terminationGracePeriodSeconds, else 30).")
        Long grace;

        @Override
        int run() {
            return printStatus(api().call("DELETE", "/v1/vms/" + name + (grace != null ? "?grace=" + grace : ""), ""));
        }
    }

    @Command(name = "addvolume", mixinStandardHelpOptions = true,
            description = {"Hotplug a claim into a running VM, as virtctl addvolume.", "The claim may be a DataVolume's."})
    static final class AddVolume extends Client {
        @Parameters(paramLabel = "VM", description = "The running VM.")
        String name;

        @Option(names = "--volume-name", required = true, paramLabel = "CLAIM", description = "The claim to attach; also the disk's name.")
        String volume;

        @Option(names = "--disk-type", paramLabel = "disk|lun", defaultValue = "disk", description = "Default ${DEFAULT-VALUE}.")
        String diskType;

        @Option(names = "--bus", paramLabel = "scsi|virtio", defaultValue = "scsi", description = "Default ${DEFAULT-VALUE}.")
        String bus;

        @Option(names = "--serial", paramLabel = "SERIAL", description = "The disk's serial (default: the volume name).")
        String serial;

        @Option(names = "--cache", paramLabel = "none|writethrough|writeback", description = "Cache mode (default: as at start).")
        String cache;

        @Option(names = "--persist", description = "Also add the disk to the stored spec, so it is there at the next start.")
        boolean persist;

        @Override
        int run() {
            String body = QmpJson.mapper().createObjectNode().put("volumeName", volume).put("diskType", diskType).put("bus", bus)
                    .put("serial", serial).put("cache", cache).put("persist", persist).toString();
            return printStatus(api().call("POST", "/v1/vms/" + name + "/volumes", body));
        }
    }

    @Command(name = "removevolume", mixinStandardHelpOptions = true,
            description = {"Unplug a hotplugged volume from a running VM, as virtctl removevolume.", "Waits for the guest to release it."})
    static final class RemoveVolume extends Client {
        @Parameters(paramLabel = "VM", description = "The running VM.")
        String name;

        @Option(names = "--volume-name", required = true, paramLabel = "CLAIM", description = "The hotplugged volume.")
        String volume;

        @Override
        int run() {
            return printStatus(api().call("DELETE", "/v1/vms/" + name + "/volumes/" + volume, ""));
        }
    }

    @Command(name = "eject", mixinStandardHelpOptions = true, description = "Take the medium out of a running VM's CD-ROM.")
    static final class Eject extends Client {
        @Parameters(paramLabel = "VM", description = "The running VM.")
        String name;

        @Option(names = "--disk", required = true, paramLabel = "NAME", description = "The CD-ROM disk.")
        String disk;

        @Override
        int run() {
            return printStatus(api().call("POST", "/v1/vms/" + name + "/media/" + disk + "/eject", ""));
        }
    }

    @Command(name = "insert", mixinStandardHelpOptions = true,
            description = {"Put a host image into a running VM's CD-ROM, replacing its medium.", "ISO, raw or qcow2; it stays until the VM stops."})
    static final class Insert extends Client {
        @Parameters(paramLabel = "VM", description = "The running VM.")
        String name;

        @Option(names = "--disk", required = true, paramLabel = "NAME", description = "The CD-ROM disk.")
        String disk;

        @Option(names = "--path", required = true, paramLabel = "FILE", description = "The image on this host.")
        Path image;

        @Override
        int run() {
            String body = QmpJson.mapper().createObjectNode().put("path", image.toAbsolutePath().toString()).toString();
            return printStatus(api().call("POST", "/v1/vms/" + name + "/media/" + disk + "/insert", body));
        }
    }

    @Command(name = "console", mixinStandardHelpOptions = true,
            description = {"Attach to a running VM's serial console.", "What you type goes to the guest, its output to stdout.",
                    "On a terminal the console is raw: Ctrl-C and line editing go to the guest.",
                    "Ctrl-] or the end of stdin detaches; the VM keeps running. One attach at a time."})
    static final class Console extends Client {
        @Parameters(paramLabel = "VM", description = "The running VM.")
        String name;

        @Override
        int run() {
            java.util.Optional<Runnable> raw = ConsoleInput.rawTerminal();
            if (raw.isPresent()) {
                System.err.print("qvmm: the console of VM " + name + "; " + ConsoleInput.ESCAPE_NAME + " detaches\r\n");
            }
            try {
                ApiClient.Response r = api().attach("/v1/vms/" + name + "/console", new ConsoleInput(System.in), System.out);
                return r.status() == 101 ? 0 : printError(r);
            } finally {
                raw.ifPresent(Runnable::run);
            }
        }
    }

    /** The columns of a VM row, for {@code ps} and {@code status -o table|wide}. */
    static final java.util.List<Output.Column> VM_COLUMNS = java.util.List.of(
            Output.Column.of("NAME", "vm"), Output.Column.of("PHASE", "phase"), Output.Column.of("REASON", "reason"),
            Output.Column.of("QEMU-PID", "qemuPid"),
            new Output.Column("READY", vm -> Output.text(vm.path("conditions").path(0).path("status")), true),
            new Output.Column("PORTS", VmCommands::ports, true), Output.Column.wide("SINCE", "time"), Output.Column.wide("MESSAGE", "message"));

    /** A VM's forwarded ports as {@code docker ps} shows them: {@code 127.0.0.1:40080->8080/TCP}, comma-separated. */
    static String ports(JsonNode vm) {
        java.util.List<String> out = new java.util.ArrayList<>();
        vm.path("ports").forEach(p -> out.add(p.path("hostAddress").asText() + ":" + p.path("hostPort").asText() + "->"
                + p.path("port").asText() + "/" + p.path("protocol").asText()));
        return out.isEmpty() ? "-" : String.join(",", out);
    }

    static final String OUTPUT_HELP = "Output format: json or yaml (the API's own answer), wide (more columns), table.";

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "A VM's status: phase, reason, message, qemuPid and conditions (default JSON).")
    static final class Status extends Client {
        @Parameters(paramLabel = "NAME", description = "The VM.")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "json|yaml|wide|table", description = OUTPUT_HELP + " Default json.")
        String output;

        @Override
        int run() {
            Output.Format format = Output.format(output, Output.Format.JSON, spec.commandLine());
            ApiClient.Response r = api().call("GET", "/v1/vms/" + name, "");
            if (!r.ok()) {
                return printError(r);
            }
            Output.print(out(), parse(r.body()), format, VM_COLUMNS);
            return 0;
        }
    }

    @Command(name = "ps", mixinStandardHelpOptions = true, description = "List the daemon's VMs (default a table: NAME PHASE REASON QEMU-PID).")
    static final class Ps extends Client {
        @Option(names = {"-o", "--output"}, paramLabel = "json|yaml|wide|table", description = OUTPUT_HELP + " Default table.")
        String output;

        @Override
        int run() {
            Output.Format format = Output.format(output, Output.Format.TABLE, spec.commandLine());
            ApiClient.Response r = api().call("GET", "/v1/vms", "");
            if (!r.ok()) {
                return printError(r);
            }
            Output.print(out(), parse(r.body()), format, VM_COLUMNS);
            return 0;
        }
    }

    @Command(name = "events", mixinStandardHelpOptions = true, description = "Follow the lifecycle events of every VM until interrupted.")
    static final class Events extends Client {
        @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
                description = "Lines of text, or JSON lines shaped as qvmm run --events=json prints them (default ${DEFAULT-VALUE}).")
        String output;

        @Override
        int run() {
            if (!output.equals("text") && !output.equals("json")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--output \"" + output + "\" is not text or json");
            }
            boolean json = output.equals("json");
            api().stream("/v1/events", l -> {
                out().println(json ? l : line(parse(l)));
                out().flush();
            });
            return 0;
        }
    }
}
