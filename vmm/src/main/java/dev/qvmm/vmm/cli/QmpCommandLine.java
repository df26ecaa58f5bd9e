package dev.qvmm.vmm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.QmpEvent;
import dev.qvmm.qmp.QmpException;
import dev.qvmm.qmp.QmpGreeting;
import dev.qvmm.qmp.QmpOptions;
import dev.qvmm.qmp.QmpSubscription;
import dev.qvmm.qmp.wire.QmpJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/**
 * {@code qvmm qmp --socket PATH COMMAND [ARGS-JSON] ...}: runs QMP commands against a QEMU
 * monitor socket, in order, printing each reply and, with {@code --events}, every event in the
 * order QEMU sent them relative to the replies. Stops at the first error (exit 1).
 */
@Command(name = "qmp", mixinStandardHelpOptions = true,
        description = {"Run QMP commands on a QEMU monitor socket and print replies and events.",
                "Each COMMAND may be followed by its arguments as one JSON object, e.g.",
                "  qvmm qmp --socket /run/vm/qmp.sock query-status stop 'device_del' '{\"id\":\"disk1\"}'"})
final class QmpCommandLine implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", description = "The QEMU QMP socket (-qmp unix:PATH,server=on).")
    Path socket;

    @Option(names = "--vm", paramLabel = "NAME",
            description = "Instead of --socket: a VM of the running daemon, through its QMP passthrough (daemon --qmp-passthrough).")
    String vm;

    @Option(names = "--daemon-socket", paramLabel = "PATH",
            description = "With --vm: the daemon's API socket (default: $QVMM_SOCKET, else <state-dir>/qvmm.sock).")
    Path daemonSocket;

    @CommandLine.Mixin
    HostOptions host;

    @Option(names = "--events", description = "Also print every event QEMU sends.")
    boolean events;

    @Option(names = "--json", description = "Print JSON lines ({\"return\"|\"error\"|\"event\"|\"greeting\": ...}) instead of text.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT30S",
            description = "Deadline for each command as an ISO-8601 duration (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Parameters(paramLabel = "COMMAND [ARGS-JSON]", arity = "1..*", description = "QMP commands, each optionally followed by a JSON object of arguments.")
    List<String> words;

    private record Invocation(String command, JsonNode arguments) {
    }

    @Override
    public Integer call() {
        if ((socket == null) == (vm == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --socket PATH (a QMP socket) or --vm NAME (a daemon's VM)");
        }
        List<Invocation> invocations = parse();
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper mapper = QmpJson.mapper();
        if (vm != null) {
            return throughDaemon(invocations, out, mapper);
        }
        // Listeners run synchronously on the I/O thread here, so an event is printed before the
        // reply that followed it on the wire; printing a line is cheap enough for that.
        QmpOptions options = QmpOptions.builder().eventExecutor(Runnable::run).build();
        try (QmpClient qmp = QmpClient.connect(socket, options);
             QmpSubscription ignored = events ? qmp.subscribe(e -> true, e -> printEvent(out, mapper, e)) : null) {
            printGreeting(out, mapper, qmp.greeting());
            for (Invocation call : invocations) {
                if (!json) {
                    out.println("-> " + call.command() + (call.arguments() == null ? "" : " " + call.arguments()));
                }
                try {
                    JsonNode reply = qmp.execute(call.command(), call.arguments(), timeout).join();
                    synchronized (out) {
                        out.println(json ? mapper.createObjectNode().set("return", reply) : "<- " + reply);
                        out.flush();
                    }
                } catch (CompletionException e) {
                    QmpException q = e.getCause() instanceof QmpException x ? x : null;
                    if (q == null) {
                        throw e;
                    }
                    String what = q.kind() == QmpException.Kind.COMMAND_ERROR ? q.errorClass() + ": " + q.desc() : q.getMessage();
                    out.println(json ? mapper.createObjectNode().set("error", mapper.createObjectNode()
                            .put("command", call.command()).put("kind", q.kind().name()).put("message", what)) : "<- error " + what);
                    out.flush();
                    return 1;
                }
            }
        } catch (QmpException e) {
            spec.commandLine().getErr().println("qvmm qmp: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** Each command through the daemon's passthrough: QEMU's monitor is the daemon's, one client at a time. */
    private int throughDaemon(List<Invocation> invocations, PrintWriter out, ObjectMapper mapper) {
        SocketOption api = new SocketOption();
        api.socket = daemonSocket;
        ApiClient client = new ApiClient(api.socket(host));
        try {
            for (Invocation call : invocations) {
                if (!json) {
                    out.println("-> " + call.command() + (call.arguments() == null ? "" : " " + call.arguments()));
                }
                com.fasterxml.jackson.databind.node.ObjectNode body = mapper.createObjectNode().put("execute", call.command());
                if (call.arguments() != null) {
                    body.set("arguments", call.arguments());
                }
                ApiClient.Response r = client.call("POST", "/v1/vms/" + vm + "/qmp", body.toString());
                JsonNode answer = VmCommands.Client.parse(r.body());
                if (!r.ok()) {
                    String what = answer.path("error").asText(r.body().strip());
                    out.println(json ? mapper.createObjectNode().set("error", mapper.createObjectNode()
                            .put("command", call.command()).put("kind", answer.path("kind").asText()).put("message", what)) : "<- error " + what);
                    out.flush();
                    return 1;
                }
                out.println(json ? answer : "<- " + answer.path("return"));
                out.flush();
            }
            return 0;
        } catch (dev.qvmm.vmm.VmmException e) {
            return CliErrors.report(e, spec.commandLine().getErr());
        }
    }

    private List<Invocation> parse() {
        List<Invocation> result = new ArrayList<>();
        for (String word : words) {
            if (word.startsWith("{")) {
                if (result.isEmpty() || result.getLast().arguments() != null) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "arguments " + word + " must follow a command name, e.g. device_del '{\"id\":\"disk1\"}'");
                }
                JsonNode args;
                try {
                    args = QmpJson.mapper().readTree(word);
                } catch (Exception e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "arguments of " + result.getLast().command()
                            + " are not valid JSON: " + word + " (" + e.getMessage().lines().findFirst().orElse("") + ")");
                }
                if (!args.isObject()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "arguments must be a JSON object, got " + word);
                }
                result.set(result.size() - 1, new Invocation(result.getLast().command(), args));
            } else {
                result.add(new Invocation(word, null));
            }
        }
        return result;
    }

    private void printGreeting(PrintWriter out, ObjectMapper mapper, QmpGreeting g) {
        if (json) {
            out.println(mapper.createObjectNode().set("greeting", mapper.valueToTree(g)));
        } else {
            out.println("connected to QEMU " + g.version() + " (" + g.packageName() + "), capabilities " + g.capabilities());
        }
        out.flush();
    }

    private void printEvent(PrintWriter out, ObjectMapper mapper, QmpEvent e) {
        synchronized (out) {
            if (json) {
                out.println(mapper.createObjectNode().set("event", mapper.createObjectNode()
                        .put("name", e.name()).put("timestamp", e.timestamp().toString()).set("data", e.data())));
            } else {
                out.println("event " + e.name() + " " + e.data() + " at " + e.timestamp());
            }
            out.flush();
        }
    }
}
