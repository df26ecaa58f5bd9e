package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.NetworkDevice;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.vmm.spec.InterfaceSpec;
import dev.qvmm.vmm.spec.VmSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A VM's NICs: masquerade and slirp both run on QEMU's user-mode network (libslirp, inside QEMU:
 * nothing else to start, supervise or adopt after a daemon restart), addressed as KubeVirt's
 * masquerade addresses it: the gateway (the host) at .1, the guest at .2 by DHCP, DNS at .3 of
 * the pod network's CIDR (10.0.2.0/24). Forwarded ports listen on the host address of the facts.
 */
final class NicPlanner {

    private NicPlanner() {
    }

    static List<StoragePlan.NicPlan> plan(VmSpec spec, HostFacts host, PciLayout layout) {
        List<StoragePlan.NicPlan> out = new ArrayList<>();
        for (InterfaceSpec i : spec.interfaces()) {
            String netdevId = NodeName.derive("netdev", i.name()).value();
            InterfaceSpec.Ipv4Network net = i.network();
            StringBuilder netdev = new StringBuilder("user,id=").append(netdevId)
                    .append(",net=").append(net.cidr()).append(",host=").append(net.gateway())
                    .append(",dhcpstart=").append(net.guest()).append(",dns=").append(net.dns())
                    .append(",hostname=").append(spec.hostname());
            List<StoragePlan.PortForward> forwards = new ArrayList<>();
            for (InterfaceSpec.Port p : i.ports()) {
                Integer hostPort = host.hostPorts().get(p.key(i.name()));
                if (hostPort == null) {
                    throw new IllegalStateException("no host port was chosen for " + p.key(i.name()));
                }
                netdev.append(",hostfwd=").append(p.protocol().qemu()).append(':').append(host.hostPortAddress()).append(':')
                        .append(hostPort).append('-').append(net.guest()).append(':').append(p.port());
                forwards.add(new StoragePlan.PortForward(i.name(), p.name(), p.protocol(), p.port(), host.hostPortAddress(), hostPort));
            }
            NetworkDevice device = new NetworkDevice(NodeName.derive("net", i.name()).value(), i.model().qemuDriver(), layout.next(),
                    netdevId, i.mac());
            out.add(new StoragePlan.NicPlan(i.name(), netdev.toString(), device, forwards));
        }
        return out;
    }
}
