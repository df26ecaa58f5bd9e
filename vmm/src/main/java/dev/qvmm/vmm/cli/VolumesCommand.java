package dev.qvmm.vmm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code qvmm volumes VM}: the volumes hotplugged into a VM (addvolume), as the daemon records them. */
@Command(name = "volumes", mixinStandardHelpOptions = true,
        description = {"List the volumes hotplugged into a VM with addvolume.", "Default a table: NAME BUS TYPE SERIAL."})
final class VolumesCommand extends VmCommands.Client {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("NAME", "volumeName"), Output.Column.of("BUS", "bus"),
            Output.Column.of("TYPE", "diskType"), Output.Column.of("SERIAL", "serial"),
            Output.Column.wide("CACHE", "cache"), Output.Column.wide("PERSIST", "persist"));

    @Parameters(paramLabel = "VM", description = "The VM.")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "json|yaml|wide|table", description = VmCommands.OUTPUT_HELP + " Default table.")
    String output;

    @Override
    int run() {
        Output.Format format = Output.format(output, Output.Format.TABLE, spec.commandLine());
        ApiClient.Response r = api().call("GET", "/v1/vms/" + name + "/volumes", "");
        if (!r.ok()) {
            return printError(r);
        }
        Output.print(out(), parse(r.body()), format, COLUMNS);
        return 0;
    }
}
