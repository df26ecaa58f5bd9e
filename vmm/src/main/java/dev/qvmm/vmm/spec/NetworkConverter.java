package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.InterfaceSpec.Binding;
import dev.qvmm.vmm.spec.InterfaceSpec.Ipv4Network;
import dev.qvmm.vmm.spec.InterfaceSpec.Model;
import dev.qvmm.vmm.spec.InterfaceSpec.Port;
import dev.qvmm.vmm.spec.InterfaceSpec.Protocol;
import dev.qvmm.vmm.spec.dto.NetworkDtos;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code spec.networks} and {@code spec.domain.devices.interfaces} into {@link InterfaceSpec}s, as
 * KubeVirt defaults and admits them: without either (and {@code autoattachPodInterface} not
 * false) the VM gets KubeVirt's default interface {@code default} on the pod network; every
 * interface has the network of its name and every network its interface; at most one pod network.
 * On a bare host the pod network is the host's user-mode network, reached by masquerade (or the
 * old slirp binding); bindings that need Kubernetes' networking are refused by name.
 */
final class NetworkConverter {

    static final String DEFAULT_NAME = "default";
    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}([:-])[0-9a-f]{2}(\\1[0-9a-f]{2}){4}");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    private final Problems problems;
    private final String vm;

    NetworkConverter(Problems problems, String vm) {
        this.problems = problems;
        this.vm = vm;
    }

    List<InterfaceSpec> convert(List<NetworkDtos.Interface> interfaces, String ip, List<NetworkDtos.Network> networks, String np,
                                Boolean autoattachPodInterface) {
        if (interfaces == null && networks == null) {
            return Boolean.FALSE.equals(autoattachPodInterface) ? List.of()
                    : List.of(new InterfaceSpec(DEFAULT_NAME, ip, Binding.MASQUERADE, Model.VIRTIO, derivedMac(DEFAULT_NAME), List.of(),
                    Ipv4Network.KUBEVIRT_DEFAULT, Optional.empty()));
        }
        Map<String, Ipv4Network> pods = new HashMap<>();
        Map<String, String> multus = new HashMap<>();
        networks(networks == null ? List.of() : networks, np, pods, multus);
        List<InterfaceSpec> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<NetworkDtos.Interface> given = interfaces == null ? List.of() : interfaces;
        for (int i = 0; i < given.size(); i++) {
            String p = Problems.index(ip, i);
            NetworkDtos.Interface f = given.get(i);
            if (f == null || f.name() == null || f.name().isEmpty()) {
                problems.error(p + ".name", SpecProblem.Rule.REQUIRED, "an interface needs a name (the name of its network)");
                continue;
            }
            if (!ObjectNames.check(problems, p + ".name", ObjectNames.Kind.DEVICE, f.name())) {
                continue;
            }
            if (!seen.add(f.name())) {
                problems.error(p + ".name", SpecProblem.Rule.DUPLICATE_NAME, "interface \"" + f.name() + "\" is given twice");
                continue;
            }
            InterfaceSpec spec = convert(f, p, pods, multus, networks != null);
            if (spec != null) {
                out.add(spec);
            }
        }
        Set<String> allNetworks = new HashSet<>(pods.keySet());
        allNetworks.addAll(multus.keySet());
        for (String network : allNetworks) {
            if (!seen.contains(network)) {
                problems.error(np, SpecProblem.Rule.INTERFACE_NETWORK, "network \"" + network + "\" has no interface of its name in "
                        + ip + "; add {name: " + network + ", masquerade: {}}");
            }
        }
        return out;
    }

    /** The pod network by name (with its guest network) into {@code pods}, multus networks (their networkName) into {@code multus}. */
    private void networks(List<NetworkDtos.Network> networks, String np, Map<String, Ipv4Network> pods, Map<String, String> multus) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < networks.size(); i++) {
            String p = Problems.index(np, i);
            NetworkDtos.Network n = networks.get(i);
            if (n == null || n.name() == null || n.name().isEmpty()) {
                problems.error(p + ".name", SpecProblem.Rule.REQUIRED, "a network needs a name");
                continue;
            }
            if (!ObjectNames.check(problems, p + ".name", ObjectNames.Kind.DEVICE, n.name())) {
                continue;
            }
            if (!names.add(n.name())) {
                problems.error(p + ".name", SpecProblem.Rule.DUPLICATE_NAME, "network \"" + n.name() + "\" is given twice");
                continue;
            }
            if (n.multus() != null) {
                String networkName = n.multus().path("networkName").asText("");
                if (networkName.isEmpty()) {
                    problems.error(p + ".multus.networkName", SpecProblem.Rule.REQUIRED, "network \"" + n.name() + "\": a multus "
                            + "network needs its networkName (the host config's bridges map it to a host bridge)");
                } else if (n.multus().path("default").asBoolean(false)) {
                    problems.error(p + ".multus.default", SpecProblem.Rule.UNSUPPORTED_VALUE, "network \"" + n.name() + "\": a multus "
                            + "network cannot replace the pod network on a bare host; leave default out");
                } else {
                    multus.put(n.name(), networkName);
                }
                continue;
            }
            if (n.pod() == null) {
                problems.error(p, SpecProblem.Rule.INTERFACE_NETWORK, "network \"" + n.name() + "\" needs a source; give pod: {}");
                continue;
            }
            if (!pods.isEmpty()) {
                problems.error(p + ".pod", SpecProblem.Rule.INTERFACE_NETWORK, "network \"" + n.name() + "\" is a second pod network; "
                        + "a VM has at most one (KubeVirt's rule)");
                continue;
            }
            if (n.pod().vmIPv6NetworkCIDR() != null) {
                problems.warn(p + ".pod.vmIPv6NetworkCIDR", "not supported on a bare host; the user-mode network gives the guest its own IPv6 prefix");
            }
            Ipv4Network net = n.pod().vmNetworkCIDR() == null ? Ipv4Network.KUBEVIRT_DEFAULT : cidr(n.pod().vmNetworkCIDR(), p + ".pod.vmNetworkCIDR");
            // a bad CIDR is a problem already: the VM is refused, its interface need not be too
            pods.put(n.name(), net == null ? Ipv4Network.KUBEVIRT_DEFAULT : net);
        }
    }

    private InterfaceSpec convert(NetworkDtos.Interface f, String p, Map<String, Ipv4Network> pods, Map<String, String> multus,
                                  boolean networksGiven) {
        List<String> bindings = new ArrayList<>();
        if (f.masquerade() != null) bindings.add("masquerade");
        if (f.slirp() != null) bindings.add("slirp");
        if (f.bridge() != null) bindings.add("bridge");
        if (f.passt() != null) bindings.add("passt");
        if (f.sriov() != null) bindings.add("sriov");
        if (f.macvtap() != null) bindings.add("macvtap");
        if (f.binding() != null) bindings.add("binding");
        if (bindings.size() != 1) {
            problems.error(p, SpecProblem.Rule.INTERFACE_BINDING, "interface \"" + f.name() + "\" needs exactly one binding, found "
                    + (bindings.isEmpty() ? "none" : bindings) + "; qvmm runs masquerade and slirp (pod network) and bridge (multus network)");
            return null;
        }
        Binding binding = switch (bindings.getFirst()) {
            case "masquerade" -> Binding.MASQUERADE;
            case "slirp" -> Binding.SLIRP;
            case "bridge" -> Binding.BRIDGE;
            default -> {
                problems.error(p + "." + bindings.getFirst(), SpecProblem.Rule.INTERFACE_BINDING, "interface \"" + f.name() + "\": the "
                        + bindings.getFirst() + " binding " + why(bindings.getFirst()) + "; use masquerade: {}");
                yield null;
            }
        };
        Ipv4Network network = pods.get(f.name());
        Optional<String> onMultus = Optional.ofNullable(multus.get(f.name()));
        if (onMultus.isPresent()) {
            network = Ipv4Network.KUBEVIRT_DEFAULT;
            if (binding != null && binding != Binding.BRIDGE) {
                problems.error(p + "." + binding.specName(), SpecProblem.Rule.INTERFACE_BINDING, "interface \"" + f.name() + "\" is on "
                        + "multus network \"" + onMultus.get() + "\": " + binding.specName() + " is for the pod network; use bridge: {}");
                binding = null;
            }
            if (f.ports() != null) {
                problems.error(p + ".ports", SpecProblem.Rule.UNSUPPORTED_VALUE, "interface \"" + f.name() + "\": ports are forwarded "
                        + "on the pod network only; a bridged guest is reached at its own address");
            }
        } else if (network != null && binding == Binding.BRIDGE) {
            problems.error(p + ".bridge", SpecProblem.Rule.INTERFACE_BINDING, "interface \"" + f.name() + "\": the bridge binding "
                    + "on the pod network puts the guest on the pod's own network, which a bare host does not have; use masquerade: {}, "
                    + "or a multus network the host config's bridges map to a host bridge");
            binding = null;
        }
        if (network == null) {
            problems.error(p + ".name", SpecProblem.Rule.INTERFACE_NETWORK, "interface \"" + f.name() + "\" has no network of its name"
                    + (networksGiven ? " in spec.networks" : "") + "; add {name: " + f.name() + ", pod: {}} to spec.networks");
        }
        Model model = model(f.model(), p + ".model");
        String mac = f.macAddress() == null ? derivedMac(f.name()) : mac(f.macAddress(), p + ".macAddress");
        if (f.pciAddress() != null) {
            problems.error(p + ".pciAddress", SpecProblem.Rule.UNSUPPORTED_VALUE, "interface \"" + f.name() + "\": every interface gets "
                    + "its own pcie-root-port here; a fixed pciAddress is not supported, leave it out");
        }
        if (f.bootOrder() != null) {
            problems.error(p + ".bootOrder", SpecProblem.Rule.UNSUPPORTED_VALUE, "interface \"" + f.name() + "\": network boot is not "
                    + "supported; boot from a disk (its bootOrder)");
        }
        if (f.dhcpOptions() != null) problems.warn(p + ".dhcpOptions", "not supported on a bare host; ignored");
        if (f.tag() != null) problems.warn(p + ".tag", "device role tags need KubeVirt's metadata service; ignored");
        if (f.acpiIndex() != null) problems.warn(p + ".acpiIndex", "not supported on a bare host; ignored");
        if (f.state() != null) problems.warn(p + ".state", "interface hotplug is not supported; ignored");
        List<Port> ports = ports(f, p + ".ports");
        if (binding == null || network == null || model == null || mac == null || ports == null) {
            return null;
        }
        return new InterfaceSpec(f.name(), p, binding, model, mac, ports, network, onMultus);
    }

    private static String why(String binding) {
        return switch (binding) {
            case "passt" -> "gives the guest the pod's address, which a bare host does not have";
            case "sriov" -> "needs a virtual function handed over by Kubernetes' SR-IOV device plugin";
            case "macvtap" -> "needs Kubernetes' macvtap device plugin";
            default -> "is a network binding plugin of a KubeVirt cluster";
        };
    }

    private Model model(String given, String p) {
        if (given == null) {
            return Model.VIRTIO;
        }
        for (Model m : Model.values()) {
            if (m.specName().equals(given)) {
                return m;
            }
        }
        problems.error(p, SpecProblem.Rule.UNSUPPORTED_VALUE, "interface model \"" + given + "\" is not one of virtio, e1000e, e1000, rtl8139");
        return null;
    }

    private String mac(String given, String p) {
        if (!MAC.matcher(given).matches()) {
            problems.error(p, SpecProblem.Rule.INVALID_MAC, "macAddress \"" + given + "\" is not six hex octets (like 02:00:00:12:34:56)");
            return null;
        }
        String mac = given.toLowerCase(Locale.ROOT).replace('-', ':');
        if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
            problems.error(p, SpecProblem.Rule.INVALID_MAC, "macAddress \"" + given + "\" is a multicast address; a NIC needs a unicast one "
                    + "(first octet even)");
            return null;
        }
        return mac;
    }

    /**
     * A MAC the same for the same VM and interface on every start (so a guest's DHCP lease and
     * udev names stay), in QEMU's own 52:54:00 prefix.
     */
    String derivedMac(String iface) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((vm + "/" + iface).getBytes(StandardCharsets.UTF_8));
            return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(h, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private List<Port> ports(NetworkDtos.Interface f, String p) {
        if (f.ports() == null) {
            return List.of();
        }
        List<Port> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean ok = true;
        for (int i = 0; i < f.ports().size(); i++) {
            String pp = Problems.index(p, i);
            NetworkDtos.Port port = f.ports().get(i);
            if (port == null || port.port() == null) {
                problems.error(pp + ".port", SpecProblem.Rule.REQUIRED, "a port needs its number");
                ok = false;
                continue;
            }
            if (port.port() < 1 || port.port() > 65535) {
                problems.error(pp + ".port", SpecProblem.Rule.OUT_OF_RANGE, "port " + port.port() + " is not within 1..65535");
                ok = false;
                continue;
            }
            Protocol protocol;
            if (port.protocol() == null || port.protocol().equals("TCP")) {
                protocol = Protocol.TCP;
            } else if (port.protocol().equals("UDP")) {
                protocol = Protocol.UDP;
            } else {
                problems.error(pp + ".protocol", SpecProblem.Rule.UNSUPPORTED_VALUE, "protocol \"" + port.protocol() + "\" is not TCP or UDP");
                ok = false;
                continue;
            }
            if (!seen.add(protocol + "/" + port.port())) {
                problems.error(pp, SpecProblem.Rule.DUPLICATE_PORT, "port " + port.port() + "/" + protocol + " of interface \"" + f.name()
                        + "\" is given twice");
                ok = false;
                continue;
            }
            out.add(new Port(port.name(), protocol, port.port()));
        }
        return ok ? out : null;
    }

    private Ipv4Network cidr(String given, String p) {
        Matcher m = CIDR.matcher(given);
        if (m.matches()) {
            int a = 0;
            boolean octets = true;
            for (int i = 1; i <= 4; i++) {
                int o = Integer.parseInt(m.group(i));
                octets &= o <= 255;
                a = (a << 8) | (o & 0xff);
            }
            int prefix = Integer.parseInt(m.group(5));
            if (octets && prefix >= 8 && prefix <= 30) {
                int mask = -1 << (32 - prefix);
                if ((a & ~mask) == 0) {
                    return new Ipv4Network(a, prefix);
                }
                problems.error(p, SpecProblem.Rule.INVALID_TYPE, "vmNetworkCIDR \"" + given + "\" has host bits set; give the network's "
                        + "first address (" + Ipv4Network.dotted(a & mask) + "/" + prefix + ")");
                return null;
            }
        }
        problems.error(p, SpecProblem.Rule.INVALID_TYPE, "vmNetworkCIDR \"" + given + "\" is not an IPv4 network a.b.c.d/N with N in 8..30");
        return null;
    }
}
