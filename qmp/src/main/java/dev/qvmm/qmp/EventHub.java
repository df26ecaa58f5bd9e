package dev.qvmm.qmp;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Fans events out to subscribers without ever blocking the I/O thread. {@link #publish} runs on
 * the connection's event loop and only matches and enqueues; each subscription drains its own
 * bounded queue on the event executor, one run at a time, so a listener sees events in order and
 * a slow one cannot hold up the connection or the other listeners.
 */
final class EventHub {

    private final Executor executor;
    private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Await> awaits = new CopyOnWriteArrayList<>();
    private volatile QmpException closed;

    EventHub(Executor executor) {
        this.executor = executor;
    }

    QmpSubscription subscribe(Predicate<QmpEvent> filter, QmpEventListener listener, int bufferSize) {
        Subscription s = new Subscription(filter, listener, bufferSize);
        subscriptions.add(s);
        QmpException cause = closed;
        if (cause != null && subscriptions.remove(s)) {
            s.close(cause);
        }
        return s;
    }

    /** Registers a one-shot wait now, so an event caused by a later command cannot be missed. */
    CompletableFuture<QmpEvent> await(Predicate<QmpEvent> filter) {
        Await a = new Await(filter, new CompletableFuture<>());
        awaits.add(a);
        a.future.whenComplete((e, t) -> awaits.remove(a));
        QmpException cause = closed;
        if (cause != null) {
            a.future.completeExceptionally(cause);
        }
        return a.future;
    }

    /** Event loop only. */
    void publish(QmpEvent event) {
        for (Subscription s : subscriptions) {
            s.offer(event);
        }
        if (!awaits.isEmpty()) {
            for (Await a : awaits) {
                if (!a.future.isDone() && a.filter.test(event)) {
                    executor.execute(() -> a.future.complete(event));
                }
            }
        }
    }

    void close(QmpException cause) {
        closed = cause;
        for (Subscription s : subscriptions) {
            subscriptions.remove(s);
            s.close(cause);
        }
        for (Await a : awaits) {
            a.future.completeExceptionally(cause);
        }
    }

    private record Await(Predicate<QmpEvent> filter, CompletableFuture<QmpEvent> future) {
    }

    /** Marks where events were lost; it may take the queue one past its capacity. */
    private static final class Overflow {
        long count = 1;
    }

    private final class Subscription implements QmpSubscription, Runnable {
        private final Predicate<QmpEvent> filter;
        private final QmpEventListener listener;
        private final int bufferSize;
        private final ArrayDeque<Object> queue = new ArrayDeque<>();
        private final AtomicBoolean open = new AtomicBoolean(true);
        private boolean draining;
        private long lost;
        private QmpException closeCause;

        Subscription(Predicate<QmpEvent> filter, QmpEventListener listener, int bufferSize) {
            this.filter = filter;
            this.listener = listener;
            this.bufferSize = bufferSize;
        }

        void offer(QmpEvent event) {
            if (!open.get() || !filter.test(event)) {
                return;
            }
            synchronized (this) {
                if (queue.size() < bufferSize) {
                    queue.addLast(event);
                } else {
                    lost++;
                    if (queue.peekLast() instanceof Overflow o) {
                        o.count++;
                    } else {
                        queue.addLast(new Overflow());
                    }
                }
                scheduleLocked();
            }
        }

        void close(QmpException cause) {
            synchronized (this) {
                closeCause = cause;
                scheduleLocked();
            }
        }

        private void scheduleLocked() {
            if (!draining) {
                draining = true;
                executor.execute(this);
            }
        }

        @Override
        public void run() {
            while (true) {
                Object next;
                QmpException cause = null;
                synchronized (this) {
                    next = queue.pollFirst();
                    if (next == null) {
                        cause = closeCause;
                        closeCause = null;
                        if (cause == null) {
                            draining = false;
                            return;
                        }
                    }
                }
                try {
                    if (cause != null) {
                        if (open.getAndSet(false)) {
                            listener.onClose(cause);
                        }
                    } else if (!open.get()) {
                        // closed by the subscriber: drop what is left quietly, they asked for it
                    } else if (next instanceof Overflow o) {
                        listener.onOverflow(o.count);
                    } else {
                        listener.onEvent((QmpEvent) next);
                    }
                } catch (RuntimeException | Error e) {
                    System.getLogger(EventHub.class.getName()).log(System.Logger.Level.WARNING,
                            "QMP event listener " + listener + " threw; it keeps its subscription", e);
                }
            }
        }

        @Override
        public synchronized long lost() {
            return lost;
        }

        @Override
        public void close() {
            if (open.getAndSet(false)) {
                subscriptions.remove(this);
                synchronized (this) {
                    queue.clear();
                }
            }
        }
    }
}
