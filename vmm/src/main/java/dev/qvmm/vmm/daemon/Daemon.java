package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.session.VmEvent;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The daemon's VMs: created from YAML, kept on disk, re-adopted when the daemon starts, and one
 * stream of lifecycle events for all of them. Operations on one VM are serialised by the VM;
 * different VMs proceed in parallel.
 */
public final class Daemon implements AutoCloseable {

    private final DaemonHost host;
    private final VmStore store;
    private final Map<String, ManagedVm> vms = new ConcurrentSkipListMap<>();
    private final List<Consumer<VmEvent>> subscribers = new CopyOnWriteArrayList<>();
    /** How often claim images are checked for growth (expandDisks). */
    static final java.time.Duration EXPANSION_PERIOD = java.time.Duration.ofSeconds(2);
    private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon(true).name("qvmm-expand-disks").unstarted(r));

    private Daemon(DaemonHost host) {
        this.host = host;
        this.store = new VmStore(host.stateDir());
    }

    /** Loads every stored VM, adopting the QEMUs that still run; reports (not throws) the ones it cannot. */
    public static Daemon open(DaemonHost host, Consumer<String> log) throws IOException {
        Daemon d = new Daemon(host);
        for (String name : d.store.names()) {
            try {
                ManagedVm vm = ManagedVm.restored(name, host, d.store, d::publish);
                d.vms.put(name, vm);
                log.accept("VM " + name + ": " + vm.status().toLine() + (vm.graphNote().isEmpty() ? "" : "; " + vm.graphNote()));
            } catch (RuntimeException e) {
                log.accept("VM " + name + ": cannot be restored: " + e.getMessage());
            }
        }
        if (host.config().expandDisks()) {
            long ms = EXPANSION_PERIOD.toMillis();
            d.timer.scheduleWithFixedDelay(() -> d.vms.values().forEach(vm -> {
                try {
                    vm.expandClaims().exceptionally(t -> {
                        log.accept("VM " + vm.name() + ": checking its claims for growth failed: " + t.getMessage());
                        return null;
                    });
                } catch (java.util.concurrent.RejectedExecutionException deleted) {
                    // the VM is being deleted
                }
            }), ms, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return d;
    }

    /** Validates and stores a VM; starts it when its run strategy asks (a VirtualMachineInstance always runs). */
    public CompletableFuture<VmEvent> create(String yaml) {
        SpecReader.Result read = SpecReader.read(yaml, "the request body", new SpecContext(host.config().persistentReservation()));
        String name = read.spec().name();
        ManagedVm vm;
        synchronized (vms) {
            if (vms.containsKey(name) || store.exists(name)) {
                throw new VmmException(VmmException.Kind.VM_EXISTS, name, "VM \"" + name + "\" already exists; delete it first or pick another name");
            }
            try {
                store.saveSpec(name, yaml);
            } catch (IOException e) {
                throw new VmmException(VmmException.Kind.RUN_DIRECTORY, name, "cannot store VM \"" + name + "\": " + e.getMessage(), List.of(), e);
            }
            vm = ManagedVm.created(name, host, store, this::publish);
            vms.put(name, vm);
        }
        publish(vm.status());
        boolean run = read.spec().runStrategy().map(dev.qvmm.vmm.spec.RunStrategy::startsOnCreate).orElse(true);
        return run ? vm.start() : CompletableFuture.completedFuture(vm.status());
    }

    public Optional<ManagedVm> vm(String name) {
        return Optional.ofNullable(vms.get(name));
    }

    ManagedVm existing(String name) {
        ManagedVm vm = vms.get(name);
        if (vm == null) {
            throw new VmmException(VmmException.Kind.VM_NOT_FOUND, name, "no VM named \"" + name + "\"; qvmm ps lists them");
        }
        return vm;
    }

    public Collection<ManagedVm> vms() {
        return new ArrayList<>(vms.values());
    }

    /** Stops (with {@code grace}, else the VM's own grace period) and forgets the VM. */
    public CompletableFuture<VmEvent> delete(String name, Optional<Duration> grace) {
        return existing(name).delete(grace).whenComplete((e, t) -> {
            if (t == null) {
                vms.remove(name);
            }
        });
    }

    /**
     * A VM's status as the API shows it: the last event, QEMU's pid while it runs, and KubeVirt-style
     * conditions ({@code Ready}; {@code Paused} with its reason, {@code IOError} or {@code Paused}).
     */
    static ObjectNode statusJson(ManagedVm vm) {
        VmEvent e = vm.status();
        ObjectNode o = e.toJson();
        com.fasterxml.jackson.databind.node.ArrayNode conditions = o.putArray("conditions");
        conditions.addObject().put("type", "Ready").put("status", e.state() == dev.qvmm.vmm.session.VmState.RUNNING ? "True" : "False")
                .put("reason", e.reason());
        if (e.state() == dev.qvmm.vmm.session.VmState.PAUSED) {
            conditions.addObject().put("type", "Paused").put("status", "True").put("reason", e.reason()).put("message", e.message());
        }
        long pid = vm.qemuPid();
        if (pid > 0) {
            o.put("qemuPid", pid);
        }
        List<dev.qvmm.vmm.storage.StoragePlan.PortForward> forwards = pid > 0
                ? dev.qvmm.vmm.storage.PortForwards.load(vm.runDirectory().file(dev.qvmm.vmm.storage.PortForwards.FILE)) : List.of();
        if (!forwards.isEmpty()) {
            com.fasterxml.jackson.databind.node.ArrayNode ports = o.putArray("ports");
            for (dev.qvmm.vmm.storage.StoragePlan.PortForward f : forwards) {
                com.fasterxml.jackson.databind.node.ObjectNode p = ports.addObject().put("interface", f.iface());
                if (f.portName() != null) {
                    p.put("name", f.portName());
                }
                p.put("protocol", f.protocol().name()).put("port", f.guestPort()).put("hostAddress", f.hostAddress()).put("hostPort", f.hostPort());
            }
        }
        return o;
    }

    public Runnable subscribe(Consumer<VmEvent> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    private void publish(VmEvent e) {
        for (Consumer<VmEvent> s : subscribers) {
            try {
                s.accept(e);
            } catch (RuntimeException ignored) {
                // a subscriber that fails is its own problem (the API removes closed streams)
            }
        }
    }

    /** The daemon goes away; every guest keeps running and is adopted by the next daemon. */
    @Override
    public void close() {
        timer.shutdownNow();
        vms.values().forEach(ManagedVm::detach);
    }
}
