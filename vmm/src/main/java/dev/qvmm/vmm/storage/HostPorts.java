package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.InterfaceSpec;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Host ports for a VM's forwarded guest ports, chosen by the kernel: each is bound to port 0 on the
 * forward address, and the port it got is the VM's. All of one VM's are held until all are chosen,
 * so they differ; a port another VM's QEMU listens on is never handed out. Between this choice and
 * QEMU's own bind another process could take the port; QEMU then fails to start, saying which
 * forward it could not set up, and a new start chooses again.
 */
public final class HostPorts {

    private HostPorts() {
    }

    /** The chosen port of every forwarded port of {@code interfaces}, by {@link InterfaceSpec.Port#key}. */
    public static Map<String, Integer> choose(List<InterfaceSpec> interfaces, String address) {
        Map<String, Integer> chosen = new LinkedHashMap<>();
        List<Closeable> held = new ArrayList<>();
        try {
            InetAddress host = InetAddress.getByName(address);
            for (InterfaceSpec i : interfaces) {
                for (InterfaceSpec.Port p : i.ports()) {
                    int port;
                    if (p.protocol() == InterfaceSpec.Protocol.TCP) {
                        ServerSocket s = new ServerSocket();
                        held.add(s);
                        s.bind(new InetSocketAddress(host, 0), 1);
                        port = s.getLocalPort();
                    } else {
                        DatagramSocket s = new DatagramSocket(new InetSocketAddress(host, 0));
                        held.add(s);
                        port = s.getLocalPort();
                    }
                    chosen.put(p.key(i.name()), port);
                }
            }
            return chosen;
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, address, "cannot choose a host port on " + address
                    + " for the VM's forwarded ports: " + e.getMessage());
        } finally {
            for (Closeable c : held) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // a probe socket; the port is free again either way
                }
            }
        }
    }
}
