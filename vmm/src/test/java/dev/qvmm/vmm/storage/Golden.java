package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.host.Accelerator;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.SpecReader;
import dev.qvmm.vmm.spec.SpecWarning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Golden-file cases, like Proxmox's cfg2cmd: {@code <case>.yaml} is planned and rendered into the
 * text of {@code <case>.args}: header lines ({@code # qemu VERSION}, {@code # warning ...},
 * {@code # note ...}, and for a refused case {@code # error KIND} plus one {@code # problem PATH RULE}
 * per problem), then the argv one argument per line.
 *
 * <p>Host facts differ from {@link HostFacts#example()} only as the case's {@code # qvmm-facts:}
 * line says: {@code persistent-reservation}, {@code io-uring}, {@code no-direct-io=PATH},
 * {@code spare-root-ports=N}, {@code claim-device=CLAIM=PATH}, {@code accel=kvm}, {@code no-ovmf}
 * (no firmware descriptors on the host; otherwise Debian 12's OVMF),
 * {@code host-port=IFACE/PROTOCOL/PORT=HOSTPORT} (the host port chosen for a forwarded guest port),
 * {@code bridge=NETWORKNAME=HOSTBRIDGE} (the host config's bridges).
 */
final class Golden {

    static final Path DIR = Path.of("src/test/resources/golden");

    private Golden() {
    }

    static HostFacts facts(String yaml) {
        HostFacts e = HostFacts.example();
        boolean pr = false;
        boolean uring = false;
        int spares = e.spareRootPorts();
        Set<Path> noDirect = new HashSet<>();
        Map<String, Path> devices = new HashMap<>();
        Map<String, Integer> hostPorts = new HashMap<>();
        Map<String, String> bridges = new HashMap<>();
        Accelerator accel = e.accelerator();
        boolean ovmf = true;
        for (String line : yaml.lines().toList()) {
            if (!line.startsWith("# qvmm-facts:")) {
                continue;
            }
            for (String t : line.substring("# qvmm-facts:".length()).trim().split("\\s+")) {
                String[] kv = t.split("=", 2);
                switch (kv[0]) {
                    case "persistent-reservation" -> pr = true;
                    case "io-uring" -> uring = true;
                    case "no-direct-io" -> noDirect.add(Path.of(kv[1]));
                    case "spare-root-ports" -> spares = Integer.parseInt(kv[1]);
                    case "claim-device" -> {
                        String[] cd = kv[1].split("=", 2);
                        devices.put(cd[0], Path.of(cd[1]));
                    }
                    case "no-ovmf" -> ovmf = false;
                    case "accel" -> accel = Accelerator.valueOf(kv[1].toUpperCase(java.util.Locale.ROOT));
                    case "bridge" -> {
                        String[] b = kv[1].split("=", 2);
                        bridges.put(b[0], b[1]);
                    }
                    case "host-port" -> {
                        String[] hp = kv[1].split("=", 2);
                        hostPorts.put(hp[0], Integer.parseInt(hp[1]));
                    }
                    default -> throw new IllegalArgumentException("unknown qvmm-facts token " + t);
                }
            }
        }
        return new HostFacts(e.claimsDir(), e.runDir(), e.imageStore(), accel, noDirect, devices, pr,
                e.prHelperSocket(), uring, spares, e.stateDir()).withFirmware(ovmf ? e.firmware() : List.of())
                .withNetwork(new HostNetwork(HostNetwork.DEFAULT_PORT_ADDRESS, hostPorts, bridges));
    }

    /** The text a case renders to. */
    static String render(String yaml, String name) {
        HostFacts facts = facts(yaml);
        QemuCapabilities qemu = QemuCapabilities.qemu72();
        StringBuilder sb = new StringBuilder("# qemu " + qemu.version() + "\n");
        try {
            SpecReader.Result r = SpecReader.read(yaml, name, new SpecContext(facts.persistentReservation()));
            for (SpecWarning w : r.warnings()) {
                sb.append("# warning ").append(w).append('\n');
            }
            StoragePlan plan = StoragePlanner.plan(r.spec(), facts, qemu);
            for (String n : plan.notes()) {
                sb.append("# note ").append(n).append('\n');
            }
            for (String a : ArgvRenderer.argv(plan)) {
                sb.append(a).append('\n');
            }
        } catch (VmmException e) {
            sb.append("# error ").append(e.kind()).append('\n');
            if (e.problems().isEmpty()) {
                sb.append("# message ").append(e.getMessage().replace("\n", " ")).append('\n');
            }
            for (SpecProblem p : e.problems()) {
                sb.append("# problem ").append(p.path()).append(' ').append(p.rule()).append(": ").append(p.message()).append('\n');
            }
        }
        return sb.toString();
    }

    static List<String> cases() throws IOException {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(DIR)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted()
                    .forEach(n -> out.add(n.substring(0, n.length() - ".yaml".length())));
        }
        return out;
    }
}
