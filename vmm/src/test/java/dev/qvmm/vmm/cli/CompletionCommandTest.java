package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code qvmm completion} in a real bash: the script is sourced and its completion function driven
 * as bash drives it on TAB (COMP_WORDS, COMP_CWORD, COMP_LINE), and COMPREPLY read back.
 */
class CompletionCommandTest {

    @TempDir
    Path dir;

    private Path script() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = QvmmCommand.commandLine("completion");
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertEquals(0, cl.execute("completion"), err.toString());
        return Files.writeString(dir.resolve("qvmm-completion.bash"), out.toString());
    }

    /** What bash offers for TAB after {@code words}; the last word is the one being completed. */
    private List<String> complete(String... words) throws Exception {
        Path script = script();
        String line = String.join(" ", words);
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append('\'').append(w).append("' ");
        }
        String driver = """
                source '%s'
                fn=$(complete -p qvmm | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
                [ -n "$fn" ] || { echo "no completion registered for qvmm" >&2; exit 3; }
                COMP_WORDS=(%s)
                COMP_CWORD=%d
                COMP_LINE='%s'
                COMP_POINT=${#COMP_LINE}
                "$fn" qvmm '%s' '%s'
                printf '%%s\\n' "${COMPREPLY[@]}"
                """.formatted(script, array, words.length - 1, line, words[words.length - 1],
                words.length > 1 ? words[words.length - 2] : "");
        // Outside a real TAB, bash's compopt complains on stderr ("not currently executing
        // completion function"); that is bash's own note, so stderr is kept apart from COMPREPLY.
        Path errors = dir.resolve("bash.err");
        Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", driver)
                .redirectError(errors.toFile()).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bash did not finish the completion within 30 s");
        assertEquals(0, p.exitValue(), output + Files.readString(errors));
        return output.lines().map(String::strip).filter(s -> !s.isEmpty()).sorted().toList();
    }

    @Test
    void completesSubcommands() throws Exception {
        assertEquals(List.of("start", "status", "stop"), complete("qvmm", "st"));
    }

    @Test
    void completesTheOptionsOfASubcommand() throws Exception {
        assertEquals(List.of("--start-timeout", "--state-dir"), complete("qvmm", "run", "--sta"));
    }

    @Test
    void everySubcommandIsOffered() throws Exception {
        List<String> all = complete("qvmm", "");
        for (String sub : List.of("run", "plan", "daemon", "ps", "events", "completion")) {
            assertTrue(all.contains(sub), sub + " missing from " + all);
        }
    }
}
