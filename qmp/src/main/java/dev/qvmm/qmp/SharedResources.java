package dev.qvmm.qmp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * What clients share unless {@link QmpOptions} says otherwise: one epoll I/O thread (QMP traffic
 * of even hundreds of VMs is light) and virtual threads for event delivery. Both are created on
 * first use and use daemon threads, so an embedding program needs no shutdown call.
 */
final class SharedResources {

    private SharedResources() {
    }

    private static final class Loop {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("qvmm-qmp-io", true), EpollIoHandler.newFactory());
    }

    private static final class Events {
        static final Executor EXECUTOR = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("qvmm-qmp-events-", 0).factory());
    }

    static EventLoopGroup eventLoopGroup() {
        return Loop.GROUP;
    }

    static Executor eventExecutor() {
        return Events.EXECUTOR;
    }
}
