package dev.qvmm.vmm.spec;

import java.util.List;
import java.util.Objects;

/**
 * One guest network interface ({@code spec.domain.devices.interfaces[i]} and the network of the
 * same name), validated and defaulted.
 *
 * @param name    the interface's (and its network's) name
 * @param path    where it was given, for messages ({@code spec.domain.devices.interfaces[0]})
 * @param binding how it reaches the host
 * @param model   the NIC QEMU emulates
 * @param mac     the guest's MAC, {@code 52:54:00:..} style lowercase; derived from the VM and interface name when not given
 * @param ports   what the host forwards to the guest (masquerade/slirp)
 * @param network the guest's IPv4 network for user-mode bindings ({@code pod.vmNetworkCIDR}, KubeVirt's 10.0.2.0/24 by default)
 * @param multusNetwork for the bridge binding: the {@code multus.networkName} of its network, which the host
 *                config maps to a host bridge; empty on the pod network
 */
public record InterfaceSpec(String name, String path, Binding binding, Model model, String mac, List<Port> ports,
                            Ipv4Network network, java.util.Optional<String> multusNetwork) {

    public InterfaceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(binding, "binding");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(multusNetwork, "multusNetwork");
        ports = List.copyOf(ports);
    }

    /** The bindings qvmm runs on a bare host. */
    public enum Binding {
        /** KubeVirt's masquerade: the guest behind NAT on the host's user-mode network, ports forwarded. */
        MASQUERADE("masquerade"),
        /** KubeVirt's (deprecated) slirp binding: QEMU's own user-mode network, which is what masquerade runs on here. */
        SLIRP("slirp"),
        /** KubeVirt's bridge binding on a multus network: a tap qvmm makes on the host bridge the host config names. */
        BRIDGE("bridge");

        private final String specName;

        Binding(String specName) {
            this.specName = specName;
        }

        public String specName() {
            return specName;
        }
    }

    /** KubeVirt's interface models that QEMU 7.2 on q35 emulates; virtio is KubeVirt's default. */
    public enum Model {
        VIRTIO("virtio", "virtio-net-pci"),
        E1000E("e1000e", "e1000e"),
        E1000("e1000", "e1000"),
        RTL8139("rtl8139", "rtl8139");

        private final String specName;
        private final String qemuDriver;

        Model(String specName, String qemuDriver) {
            this.specName = specName;
            this.qemuDriver = qemuDriver;
        }

        public String specName() {
            return specName;
        }

        public String qemuDriver() {
            return qemuDriver;
        }
    }

    public enum Protocol {
        TCP, UDP;

        public String qemu() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A forwarded guest port; the host port is the host's to choose. */
    public record Port(String name, Protocol protocol, int port) {
        /** How a chosen host port is looked up: {@code default/TCP/22}. */
        public String key(String iface) {
            return iface + "/" + protocol + "/" + port;
        }
    }

    /** An IPv4 network of at least 4 addresses: .0 network, .1 gateway (the host), .2 the guest, .3 DNS. */
    public record Ipv4Network(int address, int prefix) {
        public static final Ipv4Network KUBEVIRT_DEFAULT = new Ipv4Network(0x0a000200, 24);

        public String cidr() {
            return dotted(address) + "/" + prefix;
        }

        public String gateway() {
            return dotted(address + 1);
        }

        public String guest() {
            return dotted(address + 2);
        }

        public String dns() {
            return dotted(address + 3);
        }

        static String dotted(int a) {
            return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
        }
    }
}
