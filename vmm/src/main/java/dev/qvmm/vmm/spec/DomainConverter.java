package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.DomainDtos;
import java.util.Map;
import java.util.Optional;

/**
 * The machine-level parts of {@code spec.domain}: memory, CPU topology, machine type, iothreads
 * policy and kernel boot. Memory comes from {@code memory.guest}, else {@code resources.requests.memory},
 * else {@code resources.limits.memory}; vCPUs from {@code cpu} sockets x cores x threads, else
 * {@code resources.requests.cpu} (rounded up), else {@code resources.limits.cpu}, else 1.
 */
final class DomainConverter {

    /**
     * The most guest memory read: 16 TiB. QEMU's q35 with a 48-bit physical address (the common host CPU)
     * cannot map more than that with room for PCI holes, and no host this runs on has it.
     */
    static final long MAX_GUEST_MEMORY_BYTES = 16L << 40;

    private final Problems problems;

    DomainConverter(Problems problems) {
        this.problems = problems;
    }

    long memory(DomainDtos.Domain d, String p) {
        String guest = d.memory() == null ? null : d.memory().guest();
        String request = quantity(d.resources(), true, "memory");
        String limit = quantity(d.resources(), false, "memory");
        String path;
        String text;
        if (guest != null) {
            path = p + ".memory.guest";
            text = guest;
        } else if (request != null) {
            path = p + ".resources.requests.memory";
            text = request;
        } else if (limit != null) {
            path = p + ".resources.limits.memory";
            text = limit;
        } else {
            problems.error(p + ".resources.requests.memory", SpecProblem.Rule.MEMORY_REQUIRED,
                    "no memory requested; set spec.domain.resources.requests.memory or spec.domain.memory.guest, e.g. 1Gi");
            return 0;
        }
        Optional<Long> bytes = problems.bytes(path, text);
        if (bytes.isPresent() && bytes.get() < (1L << 20)) {
            problems.error(path, SpecProblem.Rule.INVALID_QUANTITY, "memory " + text + " is below the 1Mi QEMU needs");
        } else if (bytes.isPresent() && bytes.get() > MAX_GUEST_MEMORY_BYTES) {
            problems.error(path, SpecProblem.Rule.OUT_OF_RANGE, "memory " + text + " is over the 16Ti (" + MAX_GUEST_MEMORY_BYTES
                    + " bytes) qvmm gives a guest; give the memory the guest needs, e.g. 4Gi");
            return 0;
        }
        return bytes.orElse(0L);
    }

    CpuTopology cpu(DomainDtos.Domain d, String p) {
        DomainDtos.Cpu c = d.cpu();
        boolean dedicated = c != null && Boolean.TRUE.equals(c.dedicatedCpuPlacement());
        boolean isolate = c != null && Boolean.TRUE.equals(c.isolateEmulatorThread());
        if (isolate && !dedicated) {
            problems.error(p + ".cpu.isolateEmulatorThread", SpecProblem.Rule.UNSUPPORTED_VALUE,
                    "isolateEmulatorThread needs dedicatedCpuPlacement: true");
        }
        if (c != null && (c.cores() != null || c.sockets() != null || c.threads() != null)) {
            int sockets = positive(c.sockets(), p + ".cpu.sockets");
            int cores = positive(c.cores(), p + ".cpu.cores");
            int threads = positive(c.threads(), p + ".cpu.threads");
            return new CpuTopology(sockets, cores, threads, true, dedicated, isolate);
        }
        String request = quantity(d.resources(), true, "cpu");
        String limit = quantity(d.resources(), false, "cpu");
        String text = request != null ? request : limit;
        if (text != null) {
            String path = p + (request != null ? ".resources.requests.cpu" : ".resources.limits.cpu");
            Optional<Long> n = Quantity.wholeUp(text);
            if (n.isEmpty() || n.get() < 1 || n.get() > 1024) {
                problems.error(path, SpecProblem.Rule.INVALID_QUANTITY, "cpu \"" + text + "\" must be a quantity from 1m to 1024");
                return new CpuTopology(1, 1, 1, true, dedicated, isolate);
            }
            return new CpuTopology(1, n.get().intValue(), 1, true, dedicated, isolate);
        }
        return new CpuTopology(1, 1, 1, false, dedicated, isolate);
    }

    private int positive(Integer v, String path) {
        if (v == null) {
            return 1;
        }
        if (v < 1 || v > 1024) {
            problems.error(path, SpecProblem.Rule.INVALID_QUANTITY, v + " must be from 1 to 1024");
            return 1;
        }
        return v;
    }

    String machine(DomainDtos.Domain d, String p) {
        String type = d.machine() == null ? null : d.machine().type();
        if (type == null || type.isEmpty()) {
            return "q35";
        }
        if (type.equals("q35") || type.startsWith("pc-q35-")) {
            return type;
        }
        problems.error(p + ".machine.type", SpecProblem.Rule.UNSUPPORTED_MACHINE,
                "machine type \"" + type + "\" is not supported; qvmm runs q35 (or a pc-q35-* version) only");
        return "q35";
    }

    Optional<IoThreadsPolicy> ioThreadsPolicy(DomainDtos.Domain d, boolean anyDedicated, String p) {
        String text = d.ioThreadsPolicy();
        if (text == null) {
            // KubeVirt: a dedicated IOThread request turns iothreads on with the shared policy.
            return anyDedicated ? Optional.of(IoThreadsPolicy.SHARED) : Optional.empty();
        }
        for (IoThreadsPolicy v : IoThreadsPolicy.values()) {
            if (v.specName().equals(text)) {
                return Optional.of(v);
            }
        }
        problems.error(p + ".ioThreadsPolicy", SpecProblem.Rule.INVALID_IOTHREADS_POLICY,
                "ioThreadsPolicy \"" + text + "\" is not shared or auto");
        return Optional.empty();
    }

    Optional<KernelBoot> kernelBoot(DomainDtos.Domain d, String p) {
        if (d.firmware() == null || d.firmware().kernelBoot() == null) {
            return Optional.empty();
        }
        DomainDtos.KernelBoot kb = d.firmware().kernelBoot();
        String kp = p + ".firmware.kernelBoot";
        if (kb.container() == null) {
            // KubeVirt admits an empty kernelBoot (nothing to boot from); kernelArgs alone have no kernel to go to.
            if (kb.kernelArgs() != null && !kb.kernelArgs().isEmpty()) {
                problems.error(kp + ".kernelArgs", SpecProblem.Rule.UNSUPPORTED_VALUE,
                        "kernelArgs need a kernel: give kernelBoot.container with an image and kernelPath, or remove kernelArgs");
            }
            return Optional.empty();
        }
        if (kb.container().image() == null || kb.container().image().isBlank()) {
            problems.error(kp + ".container.image", SpecProblem.Rule.REQUIRED,
                    "kernelBoot needs container.image (an image, or an absolute host directory)");
            return Optional.empty();
        }
        DomainDtos.KernelBootContainer c = kb.container();
        if (c.kernelPath() == null && c.initrdPath() == null) {
            problems.error(kp + ".container", SpecProblem.Rule.REQUIRED, "kernelBoot needs kernelPath, initrdPath or both");
            return Optional.empty();
        }
        boolean contained = (c.kernelPath() == null || ObjectNames.checkContainedPath(problems, kp + ".container.kernelPath", c.kernelPath()))
                & (c.initrdPath() == null || ObjectNames.checkContainedPath(problems, kp + ".container.initrdPath", c.initrdPath()));
        if (!contained) {
            return Optional.empty();
        }
        if (c.kernelPath() == null && kb.kernelArgs() != null) {
            problems.error(kp + ".kernelArgs", SpecProblem.Rule.UNSUPPORTED_VALUE, "kernelArgs need a kernelPath");
        }
        return Optional.of(new KernelBoot(c.image(), Optional.ofNullable(c.kernelPath()), Optional.ofNullable(c.initrdPath()),
                Optional.ofNullable(kb.kernelArgs())));
    }

    private static String quantity(DomainDtos.Resources r, boolean requests, String key) {
        if (r == null) {
            return null;
        }
        Map<String, String> m = requests ? r.requests() : r.limits();
        return m == null ? null : m.get(key);
    }
}
