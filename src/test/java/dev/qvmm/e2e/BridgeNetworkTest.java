package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge binding, in a network namespace this test makes (the host's own network is not
 * touched): a bridge with an address and a web server on it stands for the operator's LAN. qvmm
 * runs inside the namespace, adds its tap to the bridge, the probe guest takes a static address on
 * it and fetches the page; the tap is gone after the run. A run killed with SIGKILL leaves its tap,
 * and the next run of the same VM removes it and runs. Three probe boots of a few seconds each.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class BridgeNetworkTest {

    static final String BRIDGE = "br-qvmm";
    static Path guest;

    @TempDir
    Path dir;
    String ns;
    Process web;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    @BeforeEach
    void namespaceWithABridgeAndAWebServer() throws Exception {
        ns = "qvmm-test-" + UUID.randomUUID().toString().substring(0, 8);
        sh("ip", "netns", "add", ns);
        sh("ip", "-n", ns, "link", "set", "lo", "up");
        sh("ip", "-n", ns, "link", "add", BRIDGE, "type", "bridge");
        sh("ip", "-n", ns, "addr", "add", "192.168.77.1/24", "dev", BRIDGE);
        sh("ip", "-n", ns, "link", "set", BRIDGE, "up");
        Files.createDirectories(dir.resolve("www"));
        Files.writeString(dir.resolve("www/page.txt"), "on-the-lan\n");
        web = new ProcessBuilder("ip", "netns", "exec", ns, "python3", "-m", "http.server", "8081", "--bind", "192.168.77.1",
                "--directory", dir.resolve("www").toString()).redirectErrorStream(true).redirectOutput(dir.resolve("web.log").toFile()).start();
        Files.writeString(dir.resolve("host.yaml"), "bridges: {office: " + BRIDGE + "}\n");
        String spec = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: bridged}
                spec:
                  networks:
                  - {name: lan, multus: {networkName: office}}
                  domain:
                    resources: {requests: {memory: 128Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1 qvmm_ip=192.168.77.2/24 qvmm_fetch=http://192.168.77.1:8081/page.txt STAY"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      interfaces: [{name: lan, bridge: {}}]
                      disks: [{name: a, disk: {}}]
                  volumes: [{name: a, emptyDisk: {capacity: 16Mi}}]
                """.formatted(guest);
        Files.writeString(dir.resolve("bridged.yaml"), spec.replace(" STAY", ""));
        Files.writeString(dir.resolve("stays.yaml"), spec.replace(" STAY", " qvmm_stay=1"));
    }

    @AfterEach
    void removeTheNamespace() throws Exception {
        if (web != null) {
            web.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        new ProcessBuilder("ip", "netns", "delete", ns).start().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void theGuestIsOnTheBridgesLanAndItsTapGoesWithTheRunEvenAfterSigkill() throws Exception {
        QvmmCli.Result first = run("bridged.yaml");
        assertEquals(0, first.exitCode(), first::toString);
        GuestReport.Line net = GuestReport.parse(first.stdout()).all("net").getFirst();
        assertEquals("192.168.77.2", net.get("address"));
        assertEquals("on-the-lan", net.get("fetched"), "the guest reached the server on the bridge through its tap");
        assertEquals(List.of(), taps(), "the run's tap stayed on the bridge");

        // qvmm run killed with SIGKILL: no clean-up runs, the tap stays; the next run takes it away first.
        Path out = dir.resolve("killed.out");
        ProcessBuilder pb = new ProcessBuilder(command("stays.yaml")).redirectOutput(out.toFile()).redirectErrorStream(true);
        pb.environment().put("QVMM_SKIP_BUILD", "1");
        Process killed = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ProbeGuest.BOOT_DEADLINE_SECONDS);
        while (!Files.readString(out, StandardCharsets.ISO_8859_1).contains("QVMM net ")) {
            assertTrue(killed.isAlive(), () -> "qvmm run ended early:\n" + read(out));
            assertTrue(System.nanoTime() < deadline, () -> "the guest never reported its network:\n" + read(out));
            Thread.sleep(100);
        }
        List<String> during = taps();
        assertEquals(1, during.size(), "one tap on the bridge while the VM runs: " + during);
        killed.destroyForcibly();
        assertTrue(killed.waitFor(30, TimeUnit.SECONDS));
        assertEquals(during, taps(), "a SIGKILLed run cannot remove its tap; the next run must");

        QvmmCli.Result again = run("bridged.yaml");
        assertEquals(0, again.exitCode(), again::toString);
        assertEquals("on-the-lan", GuestReport.parse(again.stdout()).all("net").getFirst().get("fetched"));
        assertEquals(List.of(), taps(), "the tap the killed run left, or the new run's own, stayed");
    }

    @Test
    void aBridgeThatDoesNotExistIsRefusedBeforeQemuStartsAndLeavesNoTap() throws Exception {
        Files.writeString(dir.resolve("host.yaml"), "bridges: {office: br-missing}\n");
        QvmmCli.Result r = run("bridged.yaml");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("interface \"lan\"") && r.stderr().contains("\"br-missing\" does not exist"), r::toString);
        assertTrue(!r.stderr().contains("Started"), "QEMU was started: " + r);
        assertEquals(List.of(), taps(), "a tap was left on the namespace's bridge");
        Process links = new ProcessBuilder("ip", "-n", ns, "-o", "link", "show").redirectErrorStream(true).start();
        String all = new String(links.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(links.waitFor(10, TimeUnit.SECONDS));
        assertTrue(!all.contains(": qv"), "a tap was left in the namespace: " + all);
    }

    private List<String> command(String spec) {
        return List.of("ip", "netns", "exec", ns, QvmmCli.CHECKOUT.resolve("scripts/qvmm").toString(), "run", "--allow-path", "/",
                "--state-dir", dir.resolve("state").toString(), "--host-config", dir.resolve("host.yaml").toString(),
                dir.resolve(spec).toString());
    }

    private QvmmCli.Result run(String spec) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command(spec)).redirectOutput(dir.resolve("run.out").toFile())
                .redirectError(dir.resolve("run.err").toFile());
        pb.environment().put("QVMM_SKIP_BUILD", "1");
        Process p = pb.start();
        assertTrue(p.waitFor(ProbeGuest.BOOT_DEADLINE_SECONDS, TimeUnit.SECONDS), () -> "qvmm run did not finish:\n" + read(dir.resolve("run.err")));
        return new QvmmCli.Result(p.exitValue(), read(dir.resolve("run.out")), read(dir.resolve("run.err")));
    }

    /** The interfaces enslaved to the namespace's bridge. */
    private List<String> taps() throws Exception {
        Process p = new ProcessBuilder("ip", "-n", ns, "-o", "link", "show", "master", BRIDGE).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        List<String> names = new ArrayList<>();
        for (String l : out.lines().toList()) {
            String[] f = l.split(":\\s+", 3);
            if (f.length > 1) {
                names.add(f[1].replaceAll("@.*", ""));
            }
        }
        return names;
    }

    private static void sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", argv) + ": " + out);
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
