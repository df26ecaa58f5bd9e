package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.launch.Companion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tap on a host bridge for one bridged NIC, made with iproute2 before QEMU opens it by name and
 * removed when the VM ends; the bridge is the operator's and is never changed otherwise.
 */
public final class TapDevice implements Companion {

    private static final Path SYS_NET = Path.of("/sys/class/net");

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

    private static void ip(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.HOST_RESOURCE_UNRESOLVED, "ip", "the bridge binding needs iproute2's ip: "
                    + e.getMessage() + "; install it: apt-get install iproute2");
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish within 10 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + " was interrupted", e);
        }
    }
}
