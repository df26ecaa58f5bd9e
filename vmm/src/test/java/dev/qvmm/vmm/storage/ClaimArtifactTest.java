package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the planner asks of a Filesystem claim's image: size min(request, capacity), thick or not, the host's switches. */
class ClaimArtifactTest {

    private static final long GI = 1L << 30;

    private static final HostFacts HOST = new HostFacts(Path.of("/srv/claims"), Path.of("/run/qvmm/vm"), Path.of("/srv/images"),
            Accelerator.TCG, Set.of(), Map.of(), false, Path.of("/run/qemu-pr-helper.sock"), false, 2, Path.of("/var/lib/qvmm"),
            Path.of("/srv/cm"), Path.of("/srv/sec"), Path.of("/srv/sa"), true, 25);

    private static Artifact.EnsureClaimImage planned(String objects) {
        String yaml = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: claims}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - {name: a, persistentVolumeClaim: {claimName: data}}
                ---
                """ + objects;
        StoragePlan plan = StoragePlanner.plan(SpecReader.read(yaml, "t.yaml", SpecContext.defaults()).spec(), HOST,
                QemuCapabilities.qemu72());
        return plan.artifacts().stream().filter(a -> a instanceof Artifact.EnsureClaimImage)
                .map(a -> (Artifact.EnsureClaimImage) a).findFirst().orElseThrow();
    }

    @Test
    void theImageSizeIsTheRequestWhenNoCapacityIsKnownAndTheHostSwitchesArePassedOn() {
        Artifact.EnsureClaimImage c = planned("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec: {resources: {requests: {storage: 10Gi}}}
                """);
        assertEquals(new Artifact.EnsureClaimImage("a", "data", Path.of("/srv/claims/data/disk.img"), OptionalLong.of(10 * GI),
                false, true, 25), c);
    }

    @Test
    void aSmallerStatusCapacityWins() {
        Artifact.EnsureClaimImage c = planned("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec: {resources: {requests: {storage: 10Gi}}}
                status: {capacity: {storage: 5Gi}}
                """);
        assertEquals(OptionalLong.of(5 * GI), c.requestedBytes());
    }

    @Test
    void aLargerBoundVolumeCapacityDoesNotAndThickIsCarried() {
        Artifact.EnsureClaimImage c = planned("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: data
                  annotations: {cdi.kubevirt.io/storage.preallocation: "true"}
                spec: {resources: {requests: {storage: 10Gi}}, volumeName: pv1}
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: pv1}
                spec: {capacity: {storage: 20Gi}}
                """);
        assertEquals(OptionalLong.of(10 * GI), c.requestedBytes());
        assertEquals(true, c.thick());
    }

    @Test
    void aBoundVolumeCapacityAloneGivesTheSize() {
        Artifact.EnsureClaimImage c = planned("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec: {volumeName: pv1}
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: pv1}
                spec: {capacity: {storage: 3Gi}}
                """);
        assertEquals(OptionalLong.of(3 * GI), c.requestedBytes());
    }
}
