package dev.qvmm.vmm.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGINT and SIGTERM for a foreground VM: the first asks for a graceful stop, the second forces
 * it. Handling them ourselves (rather than in a shutdown hook) keeps the JVM alive while the
 * guest shuts down, and lets a second Ctrl-C mean "now". Actions run on their own thread, never
 * on the JVM's signal thread.
 */
final class StopSignals {

    private final AtomicInteger received = new AtomicInteger();
    private volatile Runnable first = () -> { };
    private volatile Runnable second = () -> { };

    private StopSignals() {
    }

    static StopSignals install() {
        StopSignals s = new StopSignals();
        Signal.handle(new Signal("INT"), sig -> s.onSignal());
        Signal.handle(new Signal("TERM"), sig -> s.onSignal());
        return s;
    }

    StopSignals onFirst(Runnable action) {
        this.first = action;
        if (received.get() >= 1) {
            run(action);
        }
        return this;
    }

    StopSignals onSecond(Runnable action) {
        this.second = action;
        return this;
    }

    private void onSignal() {
        int n = received.incrementAndGet();
        run(n == 1 ? first : second);
    }

    private static void run(Runnable action) {
        Thread.ofPlatform().name("qvmm-stop").start(action);
    }
}
