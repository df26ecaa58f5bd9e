package dev.qvmm.vmm.storage;

import java.util.Map;
import java.util.Objects;

/**
 * What planning a VM's NICs needs to know about the host.
 *
 * @param portAddress the host address forwarded guest ports listen on
 * @param ports       the host port chosen for each forwarded guest port, by {@link dev.qvmm.vmm.spec.InterfaceSpec.Port#key}
 * @param bridges     host bridges by the multus networkName the host config maps to them (the bridge binding's taps go there)
 */
public record HostNetwork(String portAddress, Map<String, Integer> ports, Map<String, String> bridges) {

    /** Loopback: a forwarded port is the host's own until the operator publishes it further. */
    public static final String DEFAULT_PORT_ADDRESS = "127.0.0.1";
    public static final HostNetwork NONE = new HostNetwork(DEFAULT_PORT_ADDRESS, Map.of(), Map.of());

    public HostNetwork {
        Objects.requireNonNull(portAddress, "portAddress");
        ports = Map.copyOf(ports);
        bridges = Map.copyOf(bridges);
    }
}
