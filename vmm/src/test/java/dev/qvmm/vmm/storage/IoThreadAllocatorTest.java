package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** KubeVirt's iothread algorithm against the tables of the reference and the issue. */
class IoThreadAllocatorTest {

    private static VmSpec read(Path file) throws Exception {
        return SpecReader.read(Files.readString(file), file.toString(), SpecContext.defaults()).spec();
    }

    private static Map<String, Integer> table(String... pairs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], Integer.parseInt(pairs[i + 1]));
        }
        return m;
    }

    @Test
    void sharedPolicyMatchesTheReferenceTable() throws Exception {
        VmSpec spec = read(Path.of("../examples/iothreads-shared.yaml"));
        IoThreadPlan plan = IoThreadAllocator.allocate(spec.ioThreadsPolicy(), spec.disks(), spec.cpu());
        assertEquals(3, plan.count());
        assertEquals(table("vmi-shared-disk", "1", "emptydisk", "2", "emptydisk2", "3", "emptydisk3", "1",
                "emptydisk4", "1", "emptydisk5", "1", "emptydisk6", "1"), plan.diskThreads());
    }

    @Test
    void autoPolicyWithTwoCpusMatchesTheReferenceTable() throws Exception {
        VmSpec spec = read(Path.of("../examples/iothreads-auto.yaml"));
        IoThreadPlan plan = IoThreadAllocator.allocate(spec.ioThreadsPolicy(), spec.disks(), spec.cpu());
        assertEquals(4, plan.count());
        assertEquals(table("mydisk", "1", "emptydisk", "3", "emptydisk2", "4", "emptydisk3", "2",
                "emptydisk4", "1", "emptydisk5", "2", "emptydisk6", "1"), plan.diskThreads());
    }

    @ParameterizedTest(name = "{0} vCPUs -> {1} iothreads")
    @CsvSource({"1, 3", "2, 4", "3, 6", "4, 6"})
    void twoDedicatedAndFourSharedDisks(int cpus, int threads) throws Exception {
        VmSpec spec = read(Golden.DIR.resolve("iothreads-auto-" + cpus + "cpu.yaml"));
        IoThreadPlan plan = IoThreadAllocator.allocate(spec.ioThreadsPolicy(), spec.disks(), spec.cpu());
        assertEquals(threads, plan.count());
        int shared = threads - 2;
        assertEquals(shared + 1, plan.diskThreads().get("ded1"));
        assertEquals(shared + 2, plan.diskThreads().get("ded2"));
        for (int i = 1; i <= 4; i++) {
            assertEquals((i - 1) % shared + 1, plan.diskThreads().get("sh" + i), "sh" + i);
        }
    }

    @Test
    void noPolicyAndNoDedicatedDiskMeansNoIothreads() throws Exception {
        VmSpec spec = read(Path.of("../examples/disk-pvc.yaml"));
        assertEquals(0, IoThreadAllocator.allocate(spec.ioThreadsPolicy(), spec.disks(), spec.cpu()).count());
    }

    @Test
    void scsiDiskWithDedicatedThreadGivesTheControllerOne() throws Exception {
        VmSpec spec = read(Golden.DIR.resolve("iothreads-scsi-controller.yaml"));
        IoThreadPlan plan = IoThreadAllocator.allocate(spec.ioThreadsPolicy(), spec.disks(), spec.cpu());
        assertEquals(OptionalInt.of(1), plan.scsiControllerThread());
        assertEquals(OptionalInt.of(2), plan.scsiControllerQueues());
        assertEquals(Map.of("b", 1), plan.diskThreads());
    }

    @Test
    void pinsFollowKubevirtWithDedicatedCpus() {
        var fourCpus = new dev.qvmm.vmm.spec.CpuTopology(1, 4, 1, true, true, false);
        assertEquals(List.of(new IoThreadPlan.Pin(1, List.of(0, 1), false), new IoThreadPlan.Pin(2, List.of(2, 3), false)),
                IoThreadAllocator.pins(2, fourCpus));
        // KubeVirt pins thread t to cpuset[t % vcpus]: thread 1 to vCPU 1, thread 2 to vCPU 0, ...
        assertEquals(List.of(new IoThreadPlan.Pin(1, List.of(1), false), new IoThreadPlan.Pin(2, List.of(0), false),
                new IoThreadPlan.Pin(3, List.of(1), false)),
                IoThreadAllocator.pins(3, new dev.qvmm.vmm.spec.CpuTopology(1, 2, 1, true, true, false)));
        assertEquals(List.of(new IoThreadPlan.Pin(1, List.of(0, 1), false), new IoThreadPlan.Pin(2, List.of(2), false),
                new IoThreadPlan.Pin(3, List.of(3), false)), IoThreadAllocator.pins(3, fourCpus));
        assertEquals(List.of(new IoThreadPlan.Pin(1, List.of(), true)),
                IoThreadAllocator.pins(1, new dev.qvmm.vmm.spec.CpuTopology(1, 4, 1, true, true, true)));
        assertEquals(List.of(), IoThreadAllocator.pins(2, new dev.qvmm.vmm.spec.CpuTopology(1, 4, 1, true, false, false)));
    }
}
