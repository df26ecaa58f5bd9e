package dev.qvmm.vmm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Warnings name the field's real path (never {@code spec.domain.devices[1][0]}), and a real
 * KubeVirt, CDI or Kubernetes field is never called unknown: it is named not supported on a bare
 * host, or set by the API server.
 */
class FieldWarningsTest {

    private static Map<String, SpecWarning.Kind> warnings(String yaml) {
        return Admitted.warnings(yaml).stream().collect(Collectors.toMap(SpecWarning::path, SpecWarning::kind, (a, b) -> a));
    }

    private static final String VMI = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: t, uid: 1f0e, resourceVersion: "7", managedFields: [{manager: kubectl}]}
            spec:
              startStrategy: Paused
              accessCredentials: [{sshPublicKey: {source: {secret: {secretName: s}}}}]
              domain:
                resources: {requests: {memory: 64Mi}}
                cpu: {cores: 1, features: [{name: vmx, policy: require}], sparkle: 2}
                devices:
                  gpus: [{name: g, deviceName: nvidia.com/GP102GL}]
                  hostDevices: [{name: h, deviceName: x}]
                  tpm: {}
                  watchdog: {name: w, i6300esb: {action: poweroff}}
                  disks:
                  - {name: a, disk: {bus: virtio}, glitter: true}
                  useVirtioTransitional: false
              volumes:
              - {name: a, emptyDisk: {capacity: 1Gi}}
            """;

    @Test
    void pathsAreTheFieldsOwnEvenWhenTheRecordWasBuffered() {
        Map<String, SpecWarning.Kind> w = warnings(VMI);
        for (String path : List.of("spec.domain.devices.gpus", "spec.domain.devices.hostDevices", "spec.domain.devices.tpm",
                "spec.domain.devices.watchdog", "spec.domain.devices.useVirtioTransitional", "spec.domain.cpu.features",
                "spec.accessCredentials", "spec.startStrategy")) {
            assertEquals(SpecWarning.Kind.UNSUPPORTED_FIELD, w.get(path), path + " in " + w);
        }
        assertTrue(w.keySet().stream().noneMatch(p -> p.contains("][") || p.matches(".*[a-z]\\[\\d+]$") && !p.contains("disks")),
                w.toString());
    }

    @Test
    void fieldsNoApiHasAreUnknownAndServerSetOnesAreSaidSo() {
        Map<String, SpecWarning.Kind> w = warnings(VMI);
        assertEquals(SpecWarning.Kind.UNKNOWN_FIELD, w.get("spec.domain.cpu.sparkle"), w.toString());
        assertEquals(SpecWarning.Kind.UNKNOWN_FIELD, w.get("spec.domain.devices.disks[0].glitter"), w.toString());
        assertEquals(SpecWarning.Kind.SERVER_SET_FIELD, w.get("metadata.uid"), w.toString());
        assertEquals(SpecWarning.Kind.SERVER_SET_FIELD, w.get("metadata.managedFields"), w.toString());
    }

    @Test
    void aVirtualMachinesTemplateAndDataVolumesAreLookedUpAlike() {
        String yaml = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: t}
                spec:
                  instancetype: {name: u1.small}
                  template:
                    metadata: {generation: 3}
                    spec:
                      priorityClassName: high
                      domain:
                        resources: {requests: {memory: 64Mi}}
                        devices:
                          sound: {name: s}
                          disks: [{name: a, disk: {}}]
                      volumes: [{name: a, dataVolume: {name: a-dv}}]
                  dataVolumeTemplates:
                  - metadata: {name: a-dv}
                    spec:
                      source: {http: {url: 'https://example.org/a.img', extraHeaders: ['X-A: b']}}
                      storage: {resources: {requests: {storage: 1Gi}}, volumeAttributesClassName: gold}
                ---
                apiVersion: cdi.kubevirt.io/v1beta1
                kind: DataVolume
                metadata: {name: b-dv}
                spec:
                  priorityClassName: low
                  source: {blank: {}}
                  storage: {resources: {requests: {storage: 1Gi}}}
                """;
        Map<String, SpecWarning.Kind> w = warnings(yaml);
        assertEquals(SpecWarning.Kind.UNSUPPORTED_FIELD, w.get("spec.instancetype"), w.toString());
        assertEquals(SpecWarning.Kind.SERVER_SET_FIELD, w.get("spec.template.metadata.generation"), w.toString());
        assertEquals(SpecWarning.Kind.UNSUPPORTED_FIELD, w.get("spec.template.spec.priorityClassName"), w.toString());
        assertEquals(SpecWarning.Kind.UNSUPPORTED_FIELD, w.get("spec.template.spec.domain.devices.sound"), w.toString());
        assertEquals(SpecWarning.Kind.UNSUPPORTED_FIELD, w.get("spec.dataVolumeTemplates[0].spec.source.http.extraHeaders"), w.toString());
        assertEquals(SpecWarning.Kind.UNSUPPORTED_FIELD, w.get("spec.dataVolumeTemplates[0].spec.storage.volumeAttributesClassName"), w.toString());
        assertEquals(SpecWarning.Kind.UNSUPPORTED_FIELD, w.get("DataVolume/b-dv: spec.priorityClassName"), w.toString());
    }
}
