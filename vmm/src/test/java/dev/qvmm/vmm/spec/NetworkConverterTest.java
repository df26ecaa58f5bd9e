package dev.qvmm.vmm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** KubeVirt's interface defaults and admission, on a bare host's bindings. */
class NetworkConverterTest {

    private static String vmi(String name, String devicesExtra, String specExtra) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                %s  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                %s      disks: [{name: a, disk: {}}]
                  volumes: [{name: a, emptyDisk: {capacity: 1Gi}}]
                """.formatted(name, specExtra, devicesExtra);
    }

    private static List<InterfaceSpec> interfaces(String yaml) {
        return SpecReader.read(yaml, "t.yaml", SpecContext.defaults()).spec().interfaces();
    }

    @Test
    void withoutInterfacesAndNetworksTheVmGetsKubeVirtsDefaultInterface() {
        List<InterfaceSpec> i = interfaces(vmi("web", "", ""));
        assertEquals(1, i.size());
        assertEquals("default", i.getFirst().name());
        assertEquals(InterfaceSpec.Binding.MASQUERADE, i.getFirst().binding());
        assertEquals(InterfaceSpec.Model.VIRTIO, i.getFirst().model());
        assertEquals("10.0.2.0/24", i.getFirst().network().cidr());
        assertEquals("10.0.2.2", i.getFirst().network().guest());
    }

    @Test
    void autoattachPodInterfaceFalseMeansNoNic() {
        assertEquals(List.of(), interfaces(vmi("web", "      autoattachPodInterface: false\n", "")));
    }

    @Test
    void theDerivedMacIsStablePerVmAndInterfaceAndUnicast() {
        String a = interfaces(vmi("web", "", "")).getFirst().mac();
        assertEquals(a, interfaces(vmi("web", "", "")).getFirst().mac(), "a restart keeps the MAC");
        assertNotEquals(a, interfaces(vmi("db", "", "")).getFirst().mac(), "another VM gets another MAC");
        assertTrue(a.matches("52:54:00(:[0-9a-f]{2}){3}"), a);
    }

    @Test
    void givenFieldsAreHonoured() {
        InterfaceSpec i = interfaces(vmi("web", "      interfaces: [{name: pod, slirp: {}, model: e1000e, macAddress: 02-AA-bb-00-00-01, "
                + "ports: [{name: http, port: 8080}, {port: 53, protocol: UDP}]}]\n",
                "  networks: [{name: pod, pod: {vmNetworkCIDR: 10.11.0.0/16}}]\n")).getFirst();
        assertEquals(InterfaceSpec.Binding.SLIRP, i.binding());
        assertEquals("e1000e", i.model().qemuDriver());
        assertEquals("02:aa:bb:00:00:01", i.mac());
        assertEquals(List.of(new InterfaceSpec.Port("http", InterfaceSpec.Protocol.TCP, 8080),
                new InterfaceSpec.Port(null, InterfaceSpec.Protocol.UDP, 53)), i.ports());
        assertEquals("10.11.0.1", i.network().gateway());
        assertEquals("10.11.0.2", i.network().guest());
    }

    @Test
    void aBridgeOnAMultusNetworkKeepsItsNetworkName() {
        List<InterfaceSpec> i = interfaces(vmi("web", "      interfaces: [{name: default, masquerade: {}}, {name: lan, bridge: {}}]\n",
                "  networks: [{name: default, pod: {}}, {name: lan, multus: {networkName: office}}]\n"));
        assertEquals(InterfaceSpec.Binding.BRIDGE, i.get(1).binding());
        assertEquals(java.util.Optional.of("office"), i.get(1).multusNetwork());
        assertEquals(java.util.Optional.empty(), i.get(0).multusNetwork());
    }

    static Stream<Arguments> refused() {
        String pod = "  networks: [{name: n, pod: {}}]\n";
        return Stream.of(
                Arguments.of("no binding", "      interfaces: [{name: n}]\n", pod, SpecProblem.Rule.INTERFACE_BINDING, "spec.domain.devices.interfaces[0]"),
                Arguments.of("two bindings", "      interfaces: [{name: n, masquerade: {}, slirp: {}}]\n", pod,
                        SpecProblem.Rule.INTERFACE_BINDING, "spec.domain.devices.interfaces[0]"),
                Arguments.of("bridge on the pod network", "      interfaces: [{name: n, bridge: {}}]\n", pod, SpecProblem.Rule.INTERFACE_BINDING,
                        "spec.domain.devices.interfaces[0].bridge"),
                Arguments.of("masquerade on a multus network", "      interfaces: [{name: n, masquerade: {}}]\n",
                        "  networks: [{name: n, multus: {networkName: lan}}]\n", SpecProblem.Rule.INTERFACE_BINDING,
                        "spec.domain.devices.interfaces[0].masquerade"),
                Arguments.of("ports on a bridge", "      interfaces: [{name: n, bridge: {}, ports: [{port: 22}]}]\n",
                        "  networks: [{name: n, multus: {networkName: lan}}]\n", SpecProblem.Rule.UNSUPPORTED_VALUE,
                        "spec.domain.devices.interfaces[0].ports"),
                Arguments.of("multus without networkName", "      interfaces: [{name: n, bridge: {}}]\n",
                        "  networks: [{name: n, multus: {}}]\n", SpecProblem.Rule.REQUIRED, "spec.networks[0].multus.networkName"),
                Arguments.of("multus as the default network", "      interfaces: [{name: n, bridge: {}}]\n",
                        "  networks: [{name: n, multus: {networkName: lan, default: true}}]\n", SpecProblem.Rule.UNSUPPORTED_VALUE,
                        "spec.networks[0].multus.default"),
                Arguments.of("a binding plugin", "      interfaces: [{name: n, binding: {name: passt}}]\n", pod,
                        SpecProblem.Rule.INTERFACE_BINDING, "spec.domain.devices.interfaces[0].binding"),
                Arguments.of("network without interface", "      interfaces: [{name: n, masquerade: {}}]\n",
                        "  networks: [{name: n, pod: {}}, {name: m, multus: {networkName: x}}]\n", SpecProblem.Rule.INTERFACE_NETWORK,
                        "spec.networks"),
                Arguments.of("networks without interfaces", "", pod, SpecProblem.Rule.INTERFACE_NETWORK, "spec.networks"),
                Arguments.of("two pod networks", "      interfaces: [{name: n, masquerade: {}}, {name: m, masquerade: {}}]\n",
                        "  networks: [{name: n, pod: {}}, {name: m, pod: {}}]\n", SpecProblem.Rule.INTERFACE_NETWORK, "spec.networks[1].pod"),
                Arguments.of("a network without source", "      interfaces: [{name: n, masquerade: {}}]\n", "  networks: [{name: n}]\n",
                        SpecProblem.Rule.INTERFACE_NETWORK, "spec.networks[0]"),
                Arguments.of("duplicate interface", "      interfaces: [{name: n, masquerade: {}}, {name: n, masquerade: {}}]\n", pod,
                        SpecProblem.Rule.DUPLICATE_NAME, "spec.domain.devices.interfaces[1].name"),
                Arguments.of("a name that is a path", "      interfaces: [{name: ../n, masquerade: {}}]\n", pod,
                        SpecProblem.Rule.INVALID_NAME, "spec.domain.devices.interfaces[0].name"),
                Arguments.of("unknown model", "      interfaces: [{name: n, masquerade: {}, model: virtio-transitional}]\n", pod,
                        SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.domain.devices.interfaces[0].model"),
                Arguments.of("a MAC of five octets", "      interfaces: [{name: n, masquerade: {}, macAddress: '02:00:00:00:01'}]\n", pod,
                        SpecProblem.Rule.INVALID_MAC, "spec.domain.devices.interfaces[0].macAddress"),
                Arguments.of("pciAddress", "      interfaces: [{name: n, masquerade: {}, pciAddress: '0000:81:01.0'}]\n", pod,
                        SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.domain.devices.interfaces[0].pciAddress"),
                Arguments.of("port 0", "      interfaces: [{name: n, masquerade: {}, ports: [{port: 0}]}]\n", pod,
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.domain.devices.interfaces[0].ports[0].port"),
                Arguments.of("port without number", "      interfaces: [{name: n, masquerade: {}, ports: [{name: web}]}]\n", pod,
                        SpecProblem.Rule.REQUIRED, "spec.domain.devices.interfaces[0].ports[0].port"),
                Arguments.of("SCTP", "      interfaces: [{name: n, masquerade: {}, ports: [{port: 80, protocol: SCTP}]}]\n", pod,
                        SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.domain.devices.interfaces[0].ports[0].protocol"),
                Arguments.of("network boot", "      interfaces: [{name: n, masquerade: {}, bootOrder: 1}]\n", pod,
                        SpecProblem.Rule.UNSUPPORTED_VALUE, "spec.domain.devices.interfaces[0].bootOrder"),
                Arguments.of("a CIDR with host bits", "      interfaces: [{name: n, masquerade: {}}]\n",
                        "  networks: [{name: n, pod: {vmNetworkCIDR: 10.0.2.5/24}}]\n", SpecProblem.Rule.INVALID_TYPE,
                        "spec.networks[0].pod.vmNetworkCIDR"),
                Arguments.of("a /31", "      interfaces: [{name: n, masquerade: {}}]\n",
                        "  networks: [{name: n, pod: {vmNetworkCIDR: 10.0.2.0/31}}]\n", SpecProblem.Rule.INVALID_TYPE,
                        "spec.networks[0].pod.vmNetworkCIDR"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void refused(String label, String devices, String spec, SpecProblem.Rule rule, String path) {
        VmmException e = assertThrows(VmmException.class, () -> SpecReader.read(vmi("t", devices, spec), "t.yaml", SpecContext.defaults()));
        assertTrue(e.problems().stream().anyMatch(p -> p.rule() == rule && p.path().equals(path)),
                () -> "expected " + rule + " at " + path + ", got " + e.problems());
    }
}
