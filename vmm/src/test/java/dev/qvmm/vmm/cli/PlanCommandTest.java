package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code qvmm plan} end to end in-process: output, exit codes, every error printed, warnings on stderr. */
class PlanCommandTest {

    @TempDir
    Path state;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = QvmmCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 3];
        all[0] = "plan";
        all[1] = "--state-dir";
        all[2] = state.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        int code = cl.execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printsArgvOnePerLine() {
        Run r = run("--accel", "tcg", "../examples/multiqueue.yaml");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals("qemu-system-x86_64", lines[0]);
        assertTrue(r.out().contains("\"num-queues\":4"), r.out());
        assertTrue(r.out().contains(state.resolve("claims/mypvc/disk.img").toString()), r.out());
    }

    @Test
    void printsTheJsonPlan() throws Exception {
        Run r = run("--json", "--accel", "tcg", "../examples/iothreads-auto.yaml");
        assertEquals(0, r.code(), r.err());
        JsonNode plan = new ObjectMapper().readTree(r.out());
        assertEquals(4, plan.path("iothreads").path("count").asInt());
        assertEquals(7, plan.path("disks").size());
    }

    @Test
    void invalidSpecExitsTwoAndPrintsEveryProblem() {
        Run r = run(Path.of("src/test/resources/golden/invalid-all-at-once.yaml").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("7 problems"), r.err());
        assertTrue(r.err().contains("spec.domain.devices.disks[0].lun: volume \"containerdisk\" is a containerDisk (file-based)"), r.err());
        assertTrue(r.err().contains("spec.domain.devices.blockMultiQueue:"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void warningsGoToStderr() {
        Run r = run("--accel", "tcg", "src/test/resources/golden/unknown-fields-warned.yaml");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: spec.domain.devices.disks[0].disk.color: unknown field"), r.err());
        assertTrue(!r.out().contains("warning"));
    }

    @Test
    void unreadableInputExitsTwo() throws Exception {
        Path bad = state.resolve("bad.yaml");
        Files.writeString(bad, "kind: [oops\n");
        assertEquals(2, run(bad.toString()).code());
        assertEquals(2, run(state.resolve("missing.yaml").toString()).code());
    }
}
