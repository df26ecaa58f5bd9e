package dev.qvmm.vmm.spec.dto;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Wire records of a VMI's {@code spec.networks} and {@code spec.domain.devices.interfaces}. */
public final class NetworkDtos {

    private NetworkDtos() {
    }

    /** One binding field is set: its value is an object ({@code masquerade: {}}). */
    public record Interface(String name, JsonNode masquerade, JsonNode bridge, JsonNode slirp, JsonNode passt,
                            JsonNode sriov, JsonNode macvtap, JsonNode binding, String model, String macAddress,
                            String pciAddress, List<Port> ports, Integer bootOrder, JsonNode dhcpOptions, String tag,
                            Integer acpiIndex, String state) {
    }

    /** {@code protocol} is TCP when absent, as KubeVirt defaults it. */
    public record Port(String name, String protocol, Integer port) {
    }

    public record Network(String name, Pod pod, JsonNode multus) {
    }

    public record Pod(String vmNetworkCIDR, String vmIPv6NetworkCIDR) {
    }
}
