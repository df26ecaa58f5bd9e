package dev.qvmm.vmm.spec;

import static dev.qvmm.vmm.spec.Admitted.plans;
import static dev.qvmm.vmm.spec.Admitted.refused;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CDI's DataVolume webhook rules (datavolume-validate.go) for DataVolume documents and KubeVirt's
 * dataVolumeTemplates rules (data-volume-template.go). Each refusal names rule and field path; each
 * has an admitted counterpart that plans.
 */
class DataVolumeAdmissionTest {

    private static final String HTTP = "source: {http: {url: 'https://example.org/a.qcow2'}}";
    private static final String PVC = "pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}";
    private static final String STORAGE = "storage: {resources: {requests: {storage: 1Gi}}}";
    private static final String DV = "DataVolume/a-dv: ";

    /** A VM whose one disk is DataVolume a-dv, given as a document with this spec (flow mapping body). */
    private static String withDataVolume(String spec) {
        return vm("", "") + "---\n{apiVersion: cdi.kubevirt.io/v1beta1, kind: DataVolume, metadata: {name: a-dv}, spec: {" + spec + "}}\n";
    }

    /** A VirtualMachine in {@code namespace} (empty for none) whose one disk is DataVolume a-dv, with these templates. */
    private static String vm(String namespace, String templates) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: t%s}
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
                """.formatted(namespace.isEmpty() ? "" : ", namespace: " + namespace)
                + (templates.isEmpty() ? "" : "  dataVolumeTemplates:\n" + templates);
    }

    private static String template(String name, String spec) {
        return "  - metadata: {name: " + name + "}\n    spec: {" + spec + "}\n";
    }

    @Test
    void pvcAndStorageTogetherAreRefused() {
        refused(withDataVolume(HTTP + ", " + PVC + ", " + STORAGE), SpecProblem.Rule.CLAIM_SPEC_COUNT, DV + "spec.storage");
        refused(vm("", template("a-dv", HTTP + ", " + PVC + ", " + STORAGE)), SpecProblem.Rule.CLAIM_SPEC_COUNT,
                "spec.dataVolumeTemplates[0].spec.storage");
        plans(withDataVolume(HTTP + ", " + PVC));
        plans(withDataVolume(HTTP + ", " + STORAGE));
    }

    @Test
    void aSizeIsRequiredExceptForACloneThroughStorage() {
        refused(withDataVolume(HTTP + ", pvc: {accessModes: [ReadWriteOnce]}"), SpecProblem.Rule.REQUIRED,
                DV + "spec.pvc.resources.requests.storage");
        refused(withDataVolume(HTTP + ", storage: {}"), SpecProblem.Rule.REQUIRED, DV + "spec.storage.resources.requests.storage");
        refused(withDataVolume("source: {pvc: {name: golden}}, pvc: {accessModes: [ReadWriteOnce]}"), SpecProblem.Rule.REQUIRED,
                DV + "spec.pvc.resources.requests.storage");
        plans(withDataVolume("source: {pvc: {name: golden}}, storage: {}"));
    }

    @Test
    void sizesBelowCdisMinimumAndZeroAreRefused() {
        refused(withDataVolume(HTTP + ", storage: {resources: {requests: {storage: 512Ki}}}"), SpecProblem.Rule.OUT_OF_RANGE,
                DV + "spec.storage.resources.requests.storage");
        refused(withDataVolume(HTTP + ", storage: {resources: {requests: {storage: '0'}}}"), SpecProblem.Rule.INVALID_QUANTITY,
                DV + "spec.storage.resources.requests.storage");
        plans(withDataVolume(HTTP + ", storage: {resources: {requests: {storage: 1Mi}}}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[ReadWriteOnce, ReadOnlyMany]", "[ReadWriteSometimes]"})
    void pvcNeedsExactlyOneValidAccessMode(String modes) {
        refused(withDataVolume(HTTP + ", pvc: {accessModes: " + modes + ", resources: {requests: {storage: 1Gi}}}"),
                SpecProblem.Rule.INVALID_ACCESS_MODE, DV + "spec.pvc.accessModes");
    }

    @Test
    void pvcWithoutAccessModesIsRefusedAndStorageMayHaveNoneOrMany() {
        refused(withDataVolume(HTTP + ", pvc: {resources: {requests: {storage: 1Gi}}}"), SpecProblem.Rule.INVALID_ACCESS_MODE,
                DV + "spec.pvc.accessModes");
        refused(withDataVolume(HTTP + ", storage: {accessModes: [Sometimes], resources: {requests: {storage: 1Gi}}}"),
                SpecProblem.Rule.INVALID_ACCESS_MODE, DV + "spec.storage.accessModes");
        plans(withDataVolume(HTTP + ", storage: {accessModes: [ReadWriteMany, ReadOnlyMany], resources: {requests: {storage: 1Gi}}}"));
        plans(withDataVolume(HTTP + ", pvc: {accessModes: [ReadWriteOncePod], resources: {requests: {storage: 1Gi}}}"));
    }

    @Test
    void sourceRefIsRefusedByNameAndNotTogetherWithSource() {
        List<SpecProblem> alone = refused(withDataVolume("sourceRef: {kind: DataSource, name: fedora}, " + STORAGE),
                SpecProblem.Rule.UNSUPPORTED_SOURCE, DV + "spec.sourceRef");
        assertTrue(alone.stream().noneMatch(p -> p.path().equals(DV + "spec.source")), alone.toString());
        refused(withDataVolume(HTTP + ", sourceRef: {kind: DataSource, name: fedora}, " + STORAGE),
                SpecProblem.Rule.VOLUME_SOURCE_COUNT, DV + "spec.source");
        refused(vm("", template("a-dv", "sourceRef: {kind: DataSource, name: fedora}, " + STORAGE)),
                SpecProblem.Rule.UNSUPPORTED_SOURCE, "spec.dataVolumeTemplates[0].spec.sourceRef");
    }

    @Test
    void anArchiveIsRefusedByNameAndKubevirtContentPlans() {
        refused(withDataVolume(HTTP + ", contentType: archive, " + STORAGE), SpecProblem.Rule.UNSUPPORTED_VALUE, DV + "spec.contentType");
        refused(withDataVolume(HTTP + ", contentType: iso, " + STORAGE), SpecProblem.Rule.UNSUPPORTED_VALUE, DV + "spec.contentType");
        plans(withDataVolume(HTTP + ", contentType: kubevirt, " + STORAGE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gcs: {url: 'gs://bucket/a.img'}", "snapshot: {name: snap, namespace: default}",
            "imageio: {url: 'https://ovirt/api', secretRef: s, diskId: d}", "vddk: {url: 'https://vcenter', uuid: u, backingFile: b}"})
    void sourcesCdiKnowsAndQvmmDoesNotRunAreRefusedByName(String source) {
        String name = source.substring(0, source.indexOf(':'));
        List<SpecProblem> all = refused(withDataVolume("source: {" + source + "}, " + STORAGE),
                SpecProblem.Rule.UNSUPPORTED_SOURCE, DV + "spec.source." + name);
        assertTrue(all.stream().noneMatch(p -> p.rule() == SpecProblem.Rule.VOLUME_SOURCE_COUNT), all.toString());
    }

    @Test
    void registryPullMethodIsPodOrNode() {
        String registry = "source: {registry: {url: 'docker://quay.io/containerdisks/fedora:40', pullMethod: %s}}, " + STORAGE;
        refused(withDataVolume(registry.formatted("kubelet")), SpecProblem.Rule.UNSUPPORTED_VALUE, DV + "spec.source.registry.pullMethod");
        plans(withDataVolume(registry.formatted("pod")));
        plans(withDataVolume(registry.formatted("node")));
        refused(withDataVolume("source: {registry: {imageStream: fedora, pullMethod: node}}, " + STORAGE),
                SpecProblem.Rule.UNSUPPORTED_SOURCE, DV + "spec.source.registry.imageStream");
    }

    @Test
    void aCloneSourceMustBeInTheDataVolumesNamespace() {
        refused(withDataVolume("source: {pvc: {name: golden, namespace: other}}, " + STORAGE), SpecProblem.Rule.NAMESPACE_MISMATCH,
                DV + "spec.source.pvc.namespace");
        refused(withDataVolume("source: {pvc: {name: golden, namespace: Bad_NS}}, " + STORAGE), SpecProblem.Rule.INVALID_NAME,
                DV + "spec.source.pvc.namespace");
        plans(withDataVolume("source: {pvc: {name: golden, namespace: default}}, " + STORAGE));
        plans(vm("prod", template("a-dv", "source: {pvc: {name: golden, namespace: prod}}, " + STORAGE)));
        refused(vm("prod", template("a-dv", "source: {pvc: {name: golden, namespace: default}}, " + STORAGE)),
                SpecProblem.Rule.NAMESPACE_MISMATCH, "spec.dataVolumeTemplates[0].spec.source.pvc.namespace");
    }

    @Test
    void anExternallyPopulatedClaimIsRefusedByName() {
        List<SpecProblem> all = refused(withDataVolume("storage: {resources: {requests: {storage: 1Gi}}, "
                + "dataSource: {kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io, name: s}}"),
                SpecProblem.Rule.UNSUPPORTED_SOURCE, DV + "spec.storage.dataSource");
        assertTrue(all.stream().noneMatch(p -> p.path().equals(DV + "spec.source")), all.toString());
        refused(withDataVolume("pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, "
                + "dataSourceRef: {kind: PersistentVolumeClaim, name: c}}"), SpecProblem.Rule.UNSUPPORTED_SOURCE, DV + "spec.pvc.dataSourceRef");
    }

    @Test
    void aStorageClassNameIsAtMost253Characters() {
        refused(withDataVolume(HTTP + ", storage: {storageClassName: " + "s".repeat(254) + ", resources: {requests: {storage: 1Gi}}}"),
                SpecProblem.Rule.INVALID_NAME, DV + "spec.storage.storageClassName");
        plans(withDataVolume(HTTP + ", storage: {storageClassName: " + "s".repeat(253) + ", resources: {requests: {storage: 1Gi}}}"));
    }

    @Test
    void everyTemplateIsReferencedByAVolume() {
        refused(vm("", template("a-dv", HTTP + ", " + STORAGE) + template("spare", HTTP + ", " + STORAGE)),
                SpecProblem.Rule.UNREFERENCED_TEMPLATE, "spec.dataVolumeTemplates[1]");
        plans(vm("", template("a-dv", HTTP + ", " + STORAGE)));
        plans(vm("", template("a-dv", HTTP + ", " + STORAGE)).replace("dataVolume: {name: a-dv}", "persistentVolumeClaim: {claimName: a-dv}"));
    }

    @Test
    void aTemplateIsInTheVmsNamespace() {
        String t = "  - metadata: {name: a-dv, namespace: %s}\n    spec: {" + HTTP + ", " + STORAGE + "}\n";
        refused(vm("prod", t.formatted("dev")), SpecProblem.Rule.NAMESPACE_MISMATCH, "spec.dataVolumeTemplates[0].metadata.namespace");
        plans(vm("prod", t.formatted("prod")));
    }
}
