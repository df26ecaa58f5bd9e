package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.VmmException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A document too large to read says so, and where large data goes instead. */
class SpecReaderLimitsTest {

    @Test
    void inlineUserDataOverTheDocumentLimitIsRefusedWithWhereItBelongs() {
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
        assertEquals(VmmException.Kind.SPEC_UNREADABLE, e.kind());
        assertTrue(e.getMessage().startsWith("big.yaml has a document over the 3145728 characters"), e.getMessage());
        assertTrue(e.getMessage().contains("a Secret or ConfigMap directory under the state directory"), e.getMessage());
    }
}
