package dev.qvmm.vmm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.storage.ArgvRenderer;
import dev.qvmm.vmm.storage.HostFacts;
import dev.qvmm.vmm.storage.QemuCapabilities;
import dev.qvmm.vmm.storage.StoragePlanner;
import java.util.List;

/**
 * What the admission tests share: small specs, and the two outcomes they assert. A refused spec
 * must carry a problem with the expected rule at the expected field path (message text is not
 * asserted); an admitted spec must read and plan on the example host, and its argv is returned.
 */
final class Admitted {

    private Admitted() {
    }

    /** A VirtualMachineInstance with 64Mi of memory and these disks and volumes (YAML list items, each ending in a newline). */
    static String vmi(String disks, String volumes) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: t}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                %s  volumes:
                %s""".formatted(indent(disks, 6), indent(volumes, 2));
    }

    /** A one-disk VMI: disk {@code disk} (flow mapping, name a) over volume {@code volume} (flow mapping, name a). */
    static String one(String disk, String volume) {
        return vmi("- " + disk + "\n", "- " + volume + "\n");
    }

    private static String indent(String items, int by) {
        String pad = " ".repeat(by);
        return items.lines().map(l -> pad + l + "\n").reduce("", String::concat);
    }

    /** The spec is refused with {@code rule} at {@code path}; returns every problem for further checks. */
    static List<SpecProblem> refused(String yaml, SpecProblem.Rule rule, String path) {
        VmmException e = assertThrows(VmmException.class, () -> plan(yaml));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind(), e.getMessage());
        assertTrue(e.problems().stream().anyMatch(p -> p.rule() == rule && p.path().equals(path)),
                "expected " + rule + " at " + path + ", got " + e.problems());
        return e.problems();
    }

    /** The spec reads and plans; returns the argv. */
    static List<String> plans(String yaml) {
        return plan(yaml);
    }

    /** The spec reads; returns its warnings. */
    static List<SpecWarning> warnings(String yaml) {
        return SpecReader.read(yaml, "t.yaml", SpecContext.defaults()).warnings();
    }

    private static List<String> plan(String yaml) {
        SpecReader.Result r = SpecReader.read(yaml, "t.yaml", SpecContext.defaults());
        return ArgvRenderer.argv(StoragePlanner.plan(r.spec(), HostFacts.example(), QemuCapabilities.qemu72()));
    }
}
