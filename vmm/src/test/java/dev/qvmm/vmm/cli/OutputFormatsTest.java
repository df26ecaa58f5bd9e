package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.qvmm.vmm.session.VmEvent;
import dev.qvmm.vmm.session.VmState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -o json|yaml|wide} of the listing commands against a real daemon holding Halted VMs, each
 * format parsed back (Jackson) and compared with the API's own answer; and {@code events --output
 * json} in the shape {@code run --events=json} prints.
 */
class OutputFormatsTest {

    @TempDir
    Path dir;

    private RealDaemon daemon;
    private final ObjectMapper json = new ObjectMapper();
    private final YAMLMapper yaml = new YAMLMapper();

    @BeforeEach
    void daemonWithTwoHaltedVms() throws Exception {
        daemon = new RealDaemon(dir.resolve("state")).halted("alpha").halted("beta");
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private String ok(String... args) {
        List<String> all = new ArrayList<>(List.of("--socket", daemon.socket.toString()));
        all.addAll(List.of(args));
        RealDaemon.Run r = RealDaemon.cli(all.toArray(String[]::new));
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
        return r.out();
    }

    private static List<String> words(String line) {
        return List.of(line.strip().split("\\s+"));
    }

    @Test
    void psInEveryFormat() throws Exception {
        JsonNode api = json.readTree(ok("ps", "-o", "json"));
        assertEquals(2, api.size(), api.toString());
        List<String> names = new ArrayList<>();
        api.forEach(vm -> names.add(vm.path("vm").asText()));
        assertEquals(List.of("alpha", "beta"), names.stream().sorted().toList());
        String phase = api.get(0).path("phase").asText();
        assertTrue(!phase.isEmpty() && !api.get(0).has("qemuPid"), api.toString());

        assertEquals(api, yaml.readTree(ok("ps", "-o", "yaml")));

        List<String> table = ok("ps").lines().toList();
        assertEquals(List.of("NAME", "PHASE", "REASON", "QEMU-PID"), words(table.get(0)));
        assertEquals(3, table.size(), String.join("\n", table));
        for (int i = 0; i < 2; i++) {
            JsonNode vm = api.get(i);
            List<String> row = table.stream().skip(1).map(OutputFormatsTest::words).filter(w -> w.get(0).equals(vm.path("vm").asText()))
                    .findFirst().orElseThrow();
            assertEquals(List.of(vm.path("vm").asText(), vm.path("phase").asText(), vm.path("reason").asText(), "-"), row.subList(0, 4));
        }

        List<String> wide = ok("ps", "-o", "wide").lines().toList();
        assertEquals(List.of("NAME", "PHASE", "REASON", "QEMU-PID", "READY", "PORTS", "SINCE", "MESSAGE"), words(wide.get(0)));
        assertEquals("False", words(wide.get(1)).get(4), wide.toString());
        assertEquals("-", words(wide.get(1)).get(5), "a VM that does not run forwards nothing: " + wide);
        assertEquals(api.get(0).path("time").asText(), words(wide.get(1)).get(6), wide.toString());
    }

    @Test
    void statusInEveryFormat() throws Exception {
        JsonNode byDefault = json.readTree(ok("status", "alpha"));
        assertEquals("alpha", byDefault.path("vm").asText());
        assertEquals("Ready", byDefault.path("conditions").get(0).path("type").asText());
        assertEquals(byDefault, json.readTree(ok("status", "alpha", "-o", "json")));
        assertEquals(byDefault, yaml.readTree(ok("status", "alpha", "-o", "yaml")));
        List<String> wide = ok("status", "alpha", "-o", "wide").lines().toList();
        assertEquals(2, wide.size());
        assertEquals(List.of("alpha", byDefault.path("phase").asText(), byDefault.path("reason").asText(), "-", "False"),
                words(wide.get(1)).subList(0, 5));
    }

    @Test
    void volumesInEveryFormat() throws Exception {
        // A Halted VM has no hotplugged volumes: every format must say "none" in its own way.
        JsonNode api = json.readTree(ok("volumes", "alpha", "-o", "json"));
        assertTrue(api.isArray() && api.isEmpty(), api.toString());
        assertEquals(api, yaml.readTree(ok("volumes", "alpha", "-o", "yaml")));
        assertEquals(List.of("NAME BUS TYPE SERIAL"), ok("volumes", "alpha").lines().map(l -> String.join(" ", words(l))).toList());
        assertEquals(List.of("NAME BUS TYPE SERIAL CACHE PERSIST"),
                ok("volumes", "alpha", "-o", "wide").lines().map(l -> String.join(" ", words(l))).toList());

        RealDaemon.Run missing = RealDaemon.cli("--socket", daemon.socket.toString(), "volumes", "nosuchvm", "-o", "json");
        assertEquals(1, missing.code(), missing.out());
        assertTrue(missing.err().contains("nosuchvm"), missing.err());
    }

    @Test
    void anUnknownFormatIsBadInput() {
        RealDaemon.Run r = RealDaemon.cli("--socket", daemon.socket.toString(), "ps", "-o", "xml");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("\"xml\"") && r.err().contains("json, yaml, wide"), r.err());
    }

    @Test
    void eventsJsonHasTheShapeRunPrints() throws Exception {
        StringWriter out = new StringWriter();
        picocli.CommandLine cl = QvmmCommand.commandLine("events");
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        Thread follower = Thread.ofPlatform().daemon(true).start(() -> cl.execute("events", "--socket", daemon.socket.toString(), "--output", "json"));
        JsonNode seen = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (seen == null) {
            // The follower subscribes asynchronously: create VMs until one's event arrives.
            daemon.halted("gamma" + System.nanoTime() % 100000);
            for (String line : out.toString().lines().toList()) {
                seen = json.readTree(line);
            }
            assertTrue(System.nanoTime() < deadline, "no event reached qvmm events within 30 s");
            Thread.sleep(200);
        }
        daemon.close();
        follower.join(10_000);
        assertTrue(!follower.isAlive(), "qvmm events did not end when the daemon closed its stream");

        StringWriter runStderr = new StringWriter();
        new EventPrinter(new PrintWriter(runStderr), true).event(new VmEvent(Instant.now(), "x", VmState.SUCCEEDED, "GuestShutdown", "m"));
        assertEquals(fields(json.readTree(runStderr.toString())), fields(seen));
        assertTrue(seen.path("vm").asText().startsWith("gamma"), seen.toString());
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
