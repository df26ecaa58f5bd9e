package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The masquerade binding seen from both ends, with two real cloud-init guests at once under one
 * daemon: each gets its address by DHCP (KubeVirt's 10.0.2.2), fetches a page from an HTTP server
 * this test runs on the host (through the gateway, 10.0.2.1), and serves one itself on port 8080,
 * which a client on the host reaches through the host port {@code qvmm status} reports. The two
 * VMs' host ports differ. Two boots at once: about 90-150 s under TCG.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class NetworkGuestTest {

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = CloudInitGuest.build();
    }

    /** Before the test's directory goes: the daemon's QEMUs outlive it by design, and are found by their pid files there. */
    @AfterEach
    void killWhatTheTestLeft() throws IOException {
        DaemonTest.killAll();
    }

    /** The guest's networkd takes the NIC by DHCP; its report and its web server come after. */
    static String userData(String vm, int hostPort) {
        return """
                #cloud-config
                write_files:
                  - path: /etc/systemd/network/20-qvmm.network
                    content: |
                      [Match]
                      Name=en* eth*
                      [Network]
                      DHCP=ipv4
                  - path: /srv/www/index.html
                    content: served-by-@VM@
                runcmd:
                  - systemctl start systemd-networkd
                  - for i in $(seq 120); do hostname -I | grep -q '[.]' && break; sleep 1; done
                  - echo "QVMM net address=$(hostname -I | tr ' ' '\\n' | grep -m1 '[.]')" > /dev/ttyS0
                  - echo "QVMM net fetched=$(python3 -c 'import urllib.request; print(urllib.request.urlopen("http://10.0.2.1:@PORT@/hello", timeout=30).read().decode())' 2>&1 | tail -n1 | tr ' ' _)" > /dev/ttyS0
                  - systemd-run --unit=qvmm-web python3 -m http.server 8080 --directory /srv/www
                  - for i in $(seq 60); do python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null && break; sleep 1; done
                  - echo "QVMM net serving" > /dev/ttyS0
                """.replace("@VM@", vm).replace("@PORT@", String.valueOf(hostPort));
    }

    static String spec(String vm, int hostPort) {
        return CloudInitGuest.noCloudVmi(guest, vm, 1, userData(vm, hostPort), "  networks:\n  - {name: default, pod: {}}\n", """
                      interfaces:
                      - name: default
                        masquerade: {}
                        ports: [{name: http, port: 8080}]
                """);
    }

    @Test
    void twoGuestsGetAddressesReachTheHostAndServeThroughTheirForwardedPorts(@TempDir Path dir) throws Exception {
        String secret = "from-the-host-" + UUID.randomUUID();
        HttpServer host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host.createContext("/hello", x -> {
            byte[] body = secret.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        host.start();
        try {
            DaemonTest.Daemon d = DaemonTest.Daemon.start(dir.resolve("state"));
            for (String vm : new String[] {"net-a", "net-b"}) {
                Path spec = dir.resolve(vm + ".yaml");
                Files.writeString(spec, spec(vm, host.getAddress().getPort()));
                QvmmCli.Result created = d.cli("create", spec.toString());
                assertEquals(0, created.exitCode(), created::toString);
            }
            int[] hostPorts = new int[2];
            String[] vms = {"net-a", "net-b"};
            long t0 = System.nanoTime();
            for (int i = 0; i < 2; i++) {
                String vm = vms[i];
                GuestReport report = awaitReport(d.console(vm), "QVMM net serving");
                System.out.printf("NetworkGuestTest: %s served after %.1f s%n", vm, (System.nanoTime() - t0) / 1e9);
                assertEquals("10.0.2.2", report.all("net").stream().filter(l -> l.fields().containsKey("address")).findFirst()
                        .orElseThrow().get("address"), "the guest's DHCP address is KubeVirt's masquerade address");
                assertEquals(secret, report.all("net").stream().filter(l -> l.fields().containsKey("fetched")).findFirst()
                        .orElseThrow().get("fetched"), "the guest fetched the host's page through its gateway");
                JsonNode ports = d.status(vm).path("ports");
                assertEquals(1, ports.size(), ports::toString);
                assertEquals("http", ports.get(0).path("name").asText());
                assertEquals(8080, ports.get(0).path("port").asInt());
                assertEquals("127.0.0.1", ports.get(0).path("hostAddress").asText());
                hostPorts[i] = ports.get(0).path("hostPort").asInt();
                HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + hostPorts[i] + "/")).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode());
                assertEquals("served-by-" + vm, page.body().strip(), "the host reached the guest's own server");
            }
            assertNotEquals(hostPorts[0], hostPorts[1], "two VMs got the same host port");
            QvmmCli.Result wide = d.cli("ps", "-o", "wide");
            assertTrue(wide.stdout().contains("127.0.0.1:" + hostPorts[0] + "->8080/TCP"), wide::toString);
            for (String vm : vms) {
                QvmmCli.Result stopped = d.cli("stop", "--grace", "30", vm);
                assertTrue(stopped.stdout().contains(vm + " Succeeded"), stopped::toString);
            }
        } finally {
            host.stop(0);
        }
    }

    private static GuestReport awaitReport(Path console, String last) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CloudInitGuest.BOOT_DEADLINE_SECONDS * 2);
        while (true) {
            String text = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
            if (text.contains(last)) {
                return GuestReport.parse(text);
            }
            assertTrue(System.nanoTime() < deadline, () -> "the guest never said " + last + ":\n" + text);
            Thread.sleep(250);
        }
    }
}
