package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleInputTest {

    private static byte[] all(String typed) throws IOException {
        return new ConsoleInput(new ByteArrayInputStream(typed.getBytes(StandardCharsets.ISO_8859_1))).readAllBytes();
    }

    @Test
    void whatIsTypedPassesUntouched() throws IOException {
        assertArrayEquals("ls -l\r\u0003\u001b[A".getBytes(StandardCharsets.ISO_8859_1), all("ls -l\r\u0003\u001b[A"),
                "Ctrl-C and escape sequences go to the guest");
    }

    @Test
    void theEscapeEndsTheStreamAndWhatCameBeforeItIsSent() throws IOException {
        assertArrayEquals("exit\r".getBytes(StandardCharsets.ISO_8859_1), all("exit\r\u001dreboot\r"));
    }

    @Test
    void theEscapeFirstEndsAtOnceAndStaysEnded() throws IOException {
        ConsoleInput in = new ConsoleInput(new ByteArrayInputStream(new byte[] {0x1d, 'a'}));
        assertEquals(-1, in.read());
        assertEquals(-1, in.read(new byte[4], 0, 4));
    }

    @Test
    void aPipeIsNoTerminal() {
        // surefire gives the forked JVM a pipe for stdin: no stty state to save, nothing changed
        assertTrue(ConsoleInput.rawTerminal().isEmpty());
    }
}
