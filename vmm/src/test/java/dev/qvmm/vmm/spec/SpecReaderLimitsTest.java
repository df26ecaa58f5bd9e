package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.VmmException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inline data too large says so, and where large data goes instead. */
class SpecReaderLimitsTest {

    @Test
    void inlineUserDataOverKubevirtsLimitIsRefusedWithWhereItBelongs() {
        String yaml = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: big}
                spec:
                  domain:
                    devices: {disks: [{name: ci, disk: {bus: virtio}}]}
                  volumes:
                  - name: ci
                    cloudInitNoCloud:
                      userData: "%s"
                """.formatted("x".repeat(3_200_000));
        VmmException e = assertThrows(VmmException.class, () -> SpecReader.read(yaml, "big.yaml", new SpecContext(false)));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind());
        SpecProblem p = e.problems().stream().filter(x -> x.rule() == SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT).findFirst().orElseThrow();
        assertEquals(SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, p.rule());
        assertEquals("spec.volumes[0].cloudInitNoCloud", p.path());
        assertTrue(p.message().contains("3200000 bytes, over KubeVirt's 2048-byte limit"), p.message());
        assertTrue(p.message().contains("userDataSecretRef"), p.message());
    }
}
