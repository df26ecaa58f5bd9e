package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.HostConfig;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.SpecWarning;
import dev.qvmm.vmm.storage.ArgvRenderer;
import dev.qvmm.vmm.storage.PlanJson;
import dev.qvmm.vmm.storage.StoragePlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code qvmm plan FILE}: reads a KubeVirt spec, validates it and prints the QEMU command line one
 * argument per line ({@code --json}: the whole storage plan). Reads the host (accelerator, O_DIRECT,
 * QEMU version) but creates nothing. Exit 0 planned, 2 invalid spec (every problem printed), 1
 * anything else; warnings go to stderr.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Plan a VM from a KubeVirt spec and print its QEMU command line.",
                "One argument per line (--json: the whole storage plan). Nothing is created or changed on the host."})
public final class PlanCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "VirtualMachineInstance or VirtualMachine YAML/JSON (kubevirt.io/v1 or v1alpha1).")
    Path file;

    @Option(names = "--json", description = "Print the structured plan (nodes, devices, controllers, iothreads, artifacts) as JSON.")
    boolean json;

    @CommandLine.Mixin
    PlanOptions planning;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            HostConfig config = planning.config(host, spec.commandLine());
            SpecReader.Result read = SpecPrefetch.read(file, new SpecContext(config.persistentReservation()));
            for (SpecWarning w : read.warnings()) {
                err.println("warning: " + w);
            }
            Accelerator accelerator = planning.accelerator(config, host, spec.commandLine()).accelerator();
            StoragePlan plan = planning.plan(read.spec(), config, host.stateDir(), accelerator);
            plan.notes().forEach(n -> err.println("note: " + n));
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(PlanJson.render(plan)));
            } else {
                ArgvRenderer.argv(plan).forEach(out::println);
            }
            out.flush();
            return 0;
        } catch (VmmException e) {
            return CliErrors.report(e, err);
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }
}
