package dev.qvmm.e2e;

import dev.qvmm.qmp.command.Cont;
import dev.qvmm.qmp.command.Stop;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.host.KvmFacts;
import dev.qvmm.vmm.launch.LaunchSpec;
import dev.qvmm.vmm.launch.RunDirectory;
import dev.qvmm.vmm.session.VmEvent;
import dev.qvmm.vmm.session.VmSession;
import dev.qvmm.vmm.session.VmState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VmSession} as a Java program embedding qvmm-vmm uses it, with the probe guest: the
 * lifecycle a user sees, from QEMU's own events and exit.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class VmSessionGuestTest {

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    private static List<String> probeMachine(String kernelArgs, String... devices) {
        List<String> args = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", KvmFacts.probe().choose().accelerator().qemu(),
                "-cpu", KvmFacts.probe().choose().accelerator().cpuModel(), "-display", "none",
                "-machine", "q35", "-m", "256", "-smp", "2", "-nodefaults", "-no-reboot",
                "-kernel", guest.resolve("vmlinux").toString(), "-initrd", guest.resolve("initrd.img").toString(),
                "-append", "console=ttyS0 panic=-1 " + kernelArgs));
        args.addAll(List.of(devices));
        return args;
    }

    private static LaunchSpec spec(String name, List<String> planArgs) {
        return new LaunchSpec(name, planArgs, true, Duration.ofSeconds(30));
    }

    @Test
    void aGuestThatPowersOffEndsSucceededWithItsConsoleLogged(@TempDir Path state) throws Exception {
        List<VmEvent> events = Collections.synchronizedList(new ArrayList<>());
        RunDirectory run = RunDirectory.create(state, "probe");
        try (VmSession vm = VmSession.launch(spec("probe", probeMachine("")), run, events::add)) {
            VmEvent end = vm.terminated().get(ProbeGuest.BOOT_DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertEquals(VmState.SUCCEEDED, end.state(), events::toString);
            assertEquals("GuestShutdown", end.reason(), events::toString);
        }
        assertEquals(List.of(VmState.STARTING, VmState.RUNNING, VmState.STOPPING, VmState.SUCCEEDED),
                events.stream().map(VmEvent::state).toList(), events::toString);
        String console = Files.readString(run.consoleLog());
        assertTrue(console.contains("QVMM done"), "console.log holds the serial console:\n" + console);
    }

    @Test
    void pauseResumeAndAStopThatEscalatesPastAGuestIgnoringAcpi(@TempDir Path state) throws Exception {
        List<VmEvent> events = Collections.synchronizedList(new ArrayList<>());
        RunDirectory run = RunDirectory.create(state, "stays");
        try (VmSession vm = VmSession.launch(spec("stays", probeMachine("qvmm_stay=1")), run, events::add)) {
            awaitConsole(run, "QVMM done");
            vm.qmp().execute(new Stop()).join();
            awaitState(vm, VmState.PAUSED);
            vm.qmp().execute(new Cont()).join();
            awaitState(vm, VmState.RUNNING);

            long started = System.nanoTime();
            VmEvent end = vm.stop(Duration.ofSeconds(2)); // busybox init ignores the ACPI button
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals(VmState.SUCCEEDED, end.state(), events::toString);
            assertEquals("StopRequested", end.reason());
            assertTrue(tookMs >= 2000, "the grace period was honoured before quit (" + tookMs + " ms)");
            assertTrue(!vm.qmp().isConnected());
        }
        assertEquals(List.of(VmState.STARTING, VmState.RUNNING, VmState.PAUSED, VmState.RUNNING, VmState.STOPPING, VmState.SUCCEEDED),
                events.stream().map(VmEvent::state).toList(), events::toString);
    }

    /** blkdebug fails every read of the disk; with werror/rerror=stop the VM pauses naming it. */
    @Test
    void anIoErrorUnderPolicyStopPausesTheVmNamingTheDisk(@TempDir Path state) throws Exception {
        Path image = state.resolve("faulty.raw");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        String blockdev = "{\"driver\":\"raw\",\"node-name\":\"d-faulty\",\"file\":{\"driver\":\"blkdebug\","
                + "\"inject-error\":[{\"event\":\"read_aio\",\"errno\":5}],"
                + "\"image\":{\"driver\":\"file\",\"filename\":\"" + image + "\"}}}";
        List<VmEvent> events = Collections.synchronizedList(new ArrayList<>());
        RunDirectory run = RunDirectory.create(state, "faulty");
        try (VmSession vm = VmSession.launch(spec("faulty", probeMachine("", "-blockdev", blockdev,
                "-device", "virtio-blk-pci,id=faulty,drive=d-faulty,werror=stop,rerror=stop")), run, events::add)) {
            VmEvent paused = awaitState(vm, VmState.PAUSED);
            assertEquals("IOError", paused.reason(), events::toString);
            assertTrue(paused.message().contains("faulty"), "the event names the disk: " + paused.message());
            assertEquals("io-error", vm.qmp().execute(new dev.qvmm.qmp.command.QueryStatus()).join().status());
            vm.kill();
        }
    }

    @Test
    void qemuRefusingTheCommandLineFailsTheStartWithItsOwnWords(@TempDir Path state) {
        List<VmEvent> events = Collections.synchronizedList(new ArrayList<>());
        RunDirectory run = RunDirectory.create(state, "broken");
        VmmException e = assertThrows(VmmException.class, () ->
                VmSession.launch(spec("broken", probeMachine("", "-device", "no-such-device")), run, events::add));
        assertEquals(VmmException.Kind.QEMU_START_FAILED, e.kind());
        assertTrue(e.getMessage().contains("no-such-device"), e.getMessage());
        assertEquals(VmState.FAILED, events.getLast().state(), events::toString);
    }

    @Test
    void aQemuKilledUnderneathIsReportedFailed(@TempDir Path state) throws Exception {
        List<VmEvent> events = Collections.synchronizedList(new ArrayList<>());
        RunDirectory run = RunDirectory.create(state, "victim");
        try (VmSession vm = VmSession.launch(spec("victim", probeMachine("qvmm_stay=1")), run, events::add)) {
            new ProcessBuilder("kill", "-9", String.valueOf(vm.qemuPid())).start().waitFor();
            VmEvent end = vm.terminated().get(30, TimeUnit.SECONDS);
            assertEquals(VmState.FAILED, end.state());
            assertEquals("QemuExited", end.reason());
            assertTrue(end.message().contains("signal 9"), end.message());
        }
    }

    private static VmEvent awaitState(VmSession vm, VmState state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ProbeGuest.BOOT_DEADLINE_SECONDS);
        while (vm.status().state() != state) {
            assertTrue(System.nanoTime() < deadline, "VM never reached " + state + "; now " + vm.status());
            Thread.sleep(20);
        }
        return vm.status();
    }

    private static void awaitConsole(RunDirectory run, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ProbeGuest.BOOT_DEADLINE_SECONDS);
        while (!Files.exists(run.consoleLog()) || !Files.readString(run.consoleLog()).contains(text)) {
            assertTrue(System.nanoTime() < deadline, "console never showed " + text);
            Thread.sleep(50);
        }
    }
}
