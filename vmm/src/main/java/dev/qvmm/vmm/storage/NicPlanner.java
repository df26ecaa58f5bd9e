package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.NetworkDevice;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.InterfaceSpec;
import dev.qvmm.vmm.spec.VmSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A VM's NICs: masquerade and slirp both run on QEMU's user-mode network (libslirp, inside QEMU:
 * nothing else to start, supervise or adopt after a daemon restart), addressed as KubeVirt's
 * masquerade addresses it: the gateway (the host) at .1, the guest at .2 by DHCP, DNS at .3 of
 * the pod network's CIDR (10.0.2.0/24). Forwarded ports listen on the host address of the facts.
 * The bridge binding (on a multus network) is a tap qvmm adds to the host bridge the host config
 * maps the network to, opened by QEMU as {@code -netdev tap}; the guest is then on that bridge's LAN.
 */
final class NicPlanner {

    private NicPlanner() {
    }

    static List<StoragePlan.NicPlan> plan(VmSpec spec, HostFacts host, PciLayout layout, List<Artifact> artifacts) {
        List<StoragePlan.NicPlan> out = new ArrayList<>();
        for (InterfaceSpec i : spec.interfaces()) {
            String netdevId = NodeName.derive("netdev", i.name()).value();
            if (i.binding() == InterfaceSpec.Binding.BRIDGE) {
                String network = i.multusNetwork().orElseThrow();
                String bridge = host.network().bridges().get(network);
                if (bridge == null) {
                    throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, i.name(), i.path() + ": interface \"" + i.name()
                            + "\" is bridged to multus network \"" + network + "\", which the host config's bridges do not map to a host "
                            + "bridge; add bridges: {" + network + ": <bridge>} to the host config");
                }
                String tap = tapName(host.stateDir().toString(), spec.name(), i.name());
                artifacts.add(new Artifact.CreateTap(i.name(), tap, bridge));
                NetworkDevice device = new NetworkDevice(NodeName.derive("net", i.name()).value(), i.model().qemuDriver(), layout.next(),
                        netdevId, i.mac());
                out.add(new StoragePlan.NicPlan(i.name(), "tap,id=" + netdevId + ",ifname=" + tap + ",script=no,downscript=no", device,
                        List.of()));
                continue;
            }
            InterfaceSpec.Ipv4Network net = i.network();
            StringBuilder netdev = new StringBuilder("user,id=").append(netdevId)
                    .append(",net=").append(net.cidr()).append(",host=").append(net.gateway())
                    .append(",dhcpstart=").append(net.guest()).append(",dns=").append(net.dns())
                    .append(",hostname=").append(spec.hostname());
            List<StoragePlan.PortForward> forwards = new ArrayList<>();
            for (InterfaceSpec.Port p : i.ports()) {
                Integer hostPort = host.network().ports().get(p.key(i.name()));
                if (hostPort == null) {
                    throw new IllegalStateException("no host port was chosen for " + p.key(i.name()));
                }
                netdev.append(",hostfwd=").append(p.protocol().qemu()).append(':').append(host.network().portAddress()).append(':')
                        .append(hostPort).append('-').append(net.guest()).append(':').append(p.port());
                forwards.add(new StoragePlan.PortForward(i.name(), p.name(), p.protocol(), p.port(), host.network().portAddress(), hostPort));
            }
            NetworkDevice device = new NetworkDevice(NodeName.derive("net", i.name()).value(), i.model().qemuDriver(), layout.next(),
                    netdevId, i.mac());
            out.add(new StoragePlan.NicPlan(i.name(), netdev.toString(), device, forwards));
        }
        return out;
    }

    /**
     * The tap of a bridged interface: {@code qv} and 12 hex digits of a hash of the state directory,
     * VM and interface, within Linux's 15 characters, the same for every run of the VM (so a run
     * finds, and removes, the tap a killed one left) and different between VMs and state directories.
     */
    static String tapName(String stateDir, String vm, String iface) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((stateDir + "\0" + vm + "\0" + iface).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "qv" + java.util.HexFormat.of().formatHex(h, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
