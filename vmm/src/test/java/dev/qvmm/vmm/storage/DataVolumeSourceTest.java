package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.DataVolumeSpec;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.SpecReader;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How a DataVolume's source in the YAML becomes an {@link ImportSource} on the host: URLs, the
 * file URL extension, the checksum annotation, clones and registry images; and the spec errors for
 * what cannot be imported.
 */
class DataVolumeSourceTest {

    private static final String SHA = "sha256:" + "ab".repeat(32);

    private static String vm(String templates) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: dv}
                spec:
                  template:
                    spec:
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices:
                          disks:
                          - {name: a, disk: {}}
                      volumes:
                      - {name: a, dataVolume: {name: a-dv}}
                  dataVolumeTemplates:
                """ + templates;
    }

    private static String template(String name, String annotations, String source) {
        return "  - metadata: {name: " + name + annotations + "}\n"
                + "    spec:\n      pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n      source: " + source + "\n";
    }

    private static ImportSource planned(String source, String annotations) {
        StoragePlan plan = StoragePlanner.plan(SpecReader.read(vm(template("a-dv", annotations, source)), "t.yaml",
                SpecContext.defaults()).spec(), HostFacts.example(), QemuCapabilities.qemu72());
        List<Artifact.ImportDataVolume> imports = plan.artifacts().stream()
                .filter(a -> a instanceof Artifact.ImportDataVolume).map(a -> (Artifact.ImportDataVolume) a).toList();
        assertEquals(1, imports.size());
        assertEquals(HostFacts.example().claimsDir().resolve("a-dv/disk.img"), imports.getFirst().path());
        assertEquals(1L << 30, imports.getFirst().sizeBytes().getAsLong());
        return imports.getFirst().source();
    }

    @Test
    void sourcesResolveOntoTheHost() {
        assertEquals(new ImportSource.Http(URI.create("https://example.org/a.qcow2"), Optional.of("ab".repeat(32))),
                planned("{http: {url: 'https://example.org/a.qcow2'}}", ", annotations: {qvmm.dev/checksum: '" + SHA + "'}"));
        assertEquals(new ImportSource.LocalFile(Path.of("/srv/images/a.img.xz"), Optional.empty()),
                planned("{http: {url: 'file:///srv/images/a.img.xz'}}", ""));
        assertEquals(new ImportSource.Blank(), planned("{blank: {}}", ""));
        assertEquals(new ImportSource.Clone("golden", HostFacts.example().claimsDir().resolve("golden/disk.img")),
                planned("{pvc: {name: golden, namespace: default}}", ""));
        ImportSource.Registry r = (ImportSource.Registry) planned("{registry: {url: 'docker://quay.io/containerdisks/fedora:40'}}", "");
        assertEquals("quay.io/containerdisks/fedora:40", r.image());
        assertEquals(HostFacts.example().imageStore().resolve("quay.io_containerdisks_fedora_40/disk.img"), r.storeLink());
    }

    private static Map<String, SpecProblem.Rule> problems(String templates) {
        VmmException e = assertThrows(VmmException.class,
                () -> SpecReader.read(vm(templates), "t.yaml", SpecContext.defaults()));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind());
        return e.problems().stream().collect(Collectors.toMap(SpecProblem::path, SpecProblem::rule, (x, y) -> x));
    }

    @Test
    void badSourcesAndChecksumsAreSpecErrors() {
        Map<String, SpecProblem.Rule> p = problems(
                template("a-dv", "", "{http: {url: 'ftp://example.org/a.img'}}")
                        + template("b", ", annotations: {qvmm.dev/checksum: 'md5:00'}", "{http: {url: 'http://h/a.img'}}")
                        + template("c", ", annotations: {qvmm.dev/checksum: '" + SHA + "'}", "{blank: {}}")
                        + template("d", "", "{registry: {url: 'oci-archive:///a.tar'}}")
                        + template("e", "", "{http: {url: 'file:relative/a.img'}}"));
        assertEquals(SpecProblem.Rule.UNSUPPORTED_VALUE, p.get("spec.dataVolumeTemplates[0].spec.source.http.url"), p.toString());
        assertEquals(SpecProblem.Rule.INVALID_TYPE,
                p.get("spec.dataVolumeTemplates[1].metadata.annotations." + DataVolumeSpec.CHECKSUM_ANNOTATION), p.toString());
        assertEquals(SpecProblem.Rule.UNSUPPORTED_VALUE,
                p.get("spec.dataVolumeTemplates[2].metadata.annotations." + DataVolumeSpec.CHECKSUM_ANNOTATION), p.toString());
        assertEquals(SpecProblem.Rule.UNSUPPORTED_VALUE, p.get("spec.dataVolumeTemplates[3].spec.source.registry.url"), p.toString());
        assertTrue(p.containsKey("spec.dataVolumeTemplates[4].spec.source.http.url"), p.toString());
    }
}
