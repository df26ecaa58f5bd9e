package dev.qvmm.vmm.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run directory a live QEMU holds is refused; the sockets a dead run left are taken away. */
class RunDirectoryTest {

    @Test
    void aRunWhoseMonitorAnswersIsRefused(@TempDir Path state) throws Exception {
        RunDirectory run = RunDirectory.of(state, "vm");
        Files.createDirectories(run.path());
        try (ServerSocketChannel monitor = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            monitor.bind(UnixDomainSocketAddress.of(run.qmpSocket()));
            VmmException e = assertThrows(VmmException.class, () -> RunDirectory.create(state, "vm"));
            assertEquals(VmmException.Kind.RUN_DIRECTORY, e.kind());
            assertTrue(Files.exists(run.qmpSocket()), "a live run's socket was removed");
        }
    }

    @Test
    void theSocketsOfADeadRunAreRemovedAndItsLogsStay(@TempDir Path state) throws Exception {
        RunDirectory run = RunDirectory.of(state, "vm");
        Files.createDirectories(run.path());
        for (Path socket : new Path[] {run.qmpSocket(), run.consoleSocket()}) {
            // bound and closed without unlinking: what a SIGKILLed QEMU leaves
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(socket));
            s.close();
        }
        Files.writeString(run.consoleLog(), "the dead run's console\n");
        RunDirectory again = RunDirectory.create(state, "vm");
        assertFalse(Files.exists(again.qmpSocket()));
        assertFalse(Files.exists(again.consoleSocket()));
        assertEquals("the dead run's console\n", Files.readString(again.consoleLog()));
    }
}
