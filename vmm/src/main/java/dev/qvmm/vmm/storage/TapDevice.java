package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.launch.Companion;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tap on a host bridge for one bridged NIC, made with iproute2 before QEMU opens it by name and
 * removed when the VM ends; the bridge is the operator's and is never changed otherwise.
 */
public final class TapDevice implements Companion {

    private static final Path SYS_NET = Path.of("/sys/class/net");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String forName;
    private final String tap;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TapDevice(String forName, String tap) {
        this.forName = forName;
        this.tap = tap;
    }

    /** Adds {@code tap} to {@code bridge}, after removing a tap of that name a dead run of the same VM left. */
    static TapDevice create(String forName, String tap, String bridge) throws IOException {
        if (!Files.isDirectory(SYS_NET.resolve(bridge).resolve("bridge"))) {
            throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, forName, "interface \"" + forName + "\": host bridge \""
                    + bridge + "\" " + (Files.exists(SYS_NET.resolve(bridge)) ? "is not a bridge" : "does not exist")
                    + "; qvmm adds taps to an existing bridge only (create it, e.g. ip link add " + bridge + " type bridge)");
        }
        if (Files.exists(SYS_NET.resolve(tap))) {
            ip("link", "delete", tap);
        }
        ip("tuntap", "add", "dev", tap, "mode", "tap");
        TapDevice device = new TapDevice(forName, tap);
        try {
            ip("link", "set", tap, "master", bridge);
            ip("link", "set", tap, "up");
            return device;
        } catch (IOException | RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** The tap of a VM an earlier qvmm started, QEMU still holding it: to be removed when the VM ends. */
    static TapDevice existing(String forName, String tap) {
        return new TapDevice(forName, tap);
    }

    public String tap() {
        return tap;
    }

    @Override
    public String forName() {
        return forName;
    }

    @Override
    public CompletableFuture<String> failure() {
        return new CompletableFuture<>();
    }

    /** Removes the tap; gone already (QEMU took a non-persistent one with it) is fine. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && Files.exists(SYS_NET.resolve(tap))) {
            try {
                ip("link", "delete", tap);
            } catch (IOException | RuntimeException e) {
                System.err.println("qvmm: could not remove tap " + tap + " of interface " + forName + ": " + e.getMessage());
            }
        }
    }

    /** Runs iproute2's ip with Commons Exec, as qvmm runs its other host tools: a 10 s watchdog, stderr kept for the error. */
    private static void ip(String... args) throws IOException {
        CommandLine cmd = new CommandLine("ip");
        for (String a : args) {
            cmd.addArgument(a, false);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DefaultExecutor exec = DefaultExecutor.builder().get();
        exec.setStreamHandler(new PumpStreamHandler(out));
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(TIMEOUT).get();
        exec.setWatchdog(watchdog);
        try {
            exec.execute(cmd);
        } catch (ExecuteException e) {
            throw new IOException(cmd + (watchdog.killedProcess() ? " did not finish within " + TIMEOUT.toSeconds() + " s"
                    : " failed (exit " + e.getExitValue() + "): " + out.toString(StandardCharsets.UTF_8).strip()), e);
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, "ip", "the bridge binding needs iproute2's ip: "
                    + e.getMessage() + "; install it: apt-get install iproute2");
        }
    }
}
