package dev.qvmm.vmm.cli;

import dev.qvmm.vmm.host.Accelerator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.host.HostProbe;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.SpecWarning;
import dev.qvmm.vmm.storage.ArgvRenderer;
import dev.qvmm.vmm.storage.DiskPlan;
import dev.qvmm.vmm.storage.HostFacts;
import dev.qvmm.vmm.storage.PlanJson;
import dev.qvmm.vmm.storage.QemuCapabilities;
import dev.qvmm.vmm.storage.StoragePlan;
import dev.qvmm.vmm.storage.StoragePlanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        description = {"Plan a VM from a KubeVirt spec and print its QEMU command line (one argument per line).",
                "Nothing is created or changed on the host."})
public final class PlanCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "VirtualMachineInstance or VirtualMachine YAML/JSON (kubevirt.io/v1 or v1alpha1).")
    Path file;

    @Option(names = "--json", description = "Print the structured plan (nodes, devices, controllers, iothreads, artifacts) as JSON.")
    boolean json;

    @Option(names = "--qemu", paramLabel = "BINARY", defaultValue = "qemu-system-x86_64", description = "QEMU binary (default ${DEFAULT-VALUE}).")
    String qemuBinary;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "Accelerator; auto picks KVM only where it can run a stock guest (default ${DEFAULT-VALUE}).")
    String accel;

    @Option(names = "--persistent-reservation", description = "This host runs qemu-pr-helper: allow lun reservation.")
    boolean persistentReservation;

    @Option(names = "--pr-helper-socket", paramLabel = "PATH", defaultValue = "/run/qemu-pr-helper.sock",
            description = "qemu-pr-helper's socket (default ${DEFAULT-VALUE}).")
    Path prHelperSocket;

    @Option(names = "--io-uring", description = "Use aio io_uring where the QEMU binary supports it.")
    boolean ioUring;

    @Option(names = "--spare-root-ports", paramLabel = "N", defaultValue = "2",
            description = "Empty pcie-root-ports left for hotplug (default ${DEFAULT-VALUE}).")
    int spareRootPorts;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            SpecReader.Result read = SpecReader.read(file, new SpecContext(persistentReservation));
            for (SpecWarning w : read.warnings()) {
                err.println("warning: " + w);
            }
            QemuCapabilities qemu = HostProbe.qemu(qemuBinary);
            Accelerator accelerator = AccelOption.choose(accel, spec.commandLine()).accelerator();
            Path state = host.stateDir();
            HostFacts assumed = new HostFacts(state.resolve("claims"), state.resolve("run").resolve(read.spec().name()),
                    state.resolve("images"), accelerator, Set.of(), Map.of(), persistentReservation, prHelperSocket,
                    ioUring, spareRootPorts);
            // Plan once assuming O_DIRECT everywhere to learn the paths, probe them, then plan for real.
            List<Path> paths = new ArrayList<>();
            for (DiskPlan d : StoragePlanner.plan(read.spec(), assumed, qemu).disks()) {
                for (dev.qvmm.blockdev.BlockNode n : d.nodes()) {
                    switch (n) {
                        case dev.qvmm.blockdev.FileNode f -> paths.add(f.filename());
                        case dev.qvmm.blockdev.HostDeviceNode h -> paths.add(h.filename());
                        case dev.qvmm.blockdev.RawNode r -> { }
                        case dev.qvmm.blockdev.Qcow2Node q -> { }
                    }
                }
            }
            HostFacts facts = new HostFacts(assumed.claimsDir(), assumed.runDir(), assumed.imageStore(), accelerator,
                    HostProbe.withoutDirectIo(paths), Map.of(), persistentReservation, prHelperSocket, ioUring, spareRootPorts);
            StoragePlan plan = StoragePlanner.plan(read.spec(), facts, qemu);
            plan.notes().forEach(n -> err.println("note: " + n));
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(PlanJson.render(plan)));
            } else {
                ArgvRenderer.argv(plan).forEach(out::println);
            }
            out.flush();
            return 0;
        } catch (VmmException e) {
            if (e.kind() == VmmException.Kind.SPEC_INVALID) {
                err.println(e.subject() + ": " + e.problems().size() + (e.problems().size() == 1 ? " problem:" : " problems:"));
                for (SpecProblem p : e.problems()) {
                    err.println("  " + p);
                }
                return 2;
            }
            err.println("error: " + e.getMessage());
            return e.kind() == VmmException.Kind.SPEC_UNREADABLE ? 2 : 1;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }
}
