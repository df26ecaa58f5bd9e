package dev.qvmm.vmm.launch;

import java.util.ArrayList;
import java.util.List;

/**
 * The full argv qvmm starts: the planned argv plus what launching owns (QMP monitor, serial
 * console, pid file, start paused). The QMP socket is a server QEMU
 * creates at start; the console is a socket too (so a client can attach later) that QEMU also
 * logs to {@code console.log}, connected or not.
 */
public final class QemuCommandLine {

    private QemuCommandLine() {
    }

    public static List<String> build(LaunchSpec spec, RunDirectory run) {
        List<String> argv = new ArrayList<>();
        if (spec.dieWithParent()) {
            // PR_SET_PDEATHSIG in the child: QEMU is killed when the thread that started it dies,
            // even when qvmm itself is SIGKILLed. setpriv execs QEMU, so the pid stays QEMU's.
            argv.addAll(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        } else {
            // The daemon's guests outlive it: a session of their own, so a signal to the daemon's
            // process group (Ctrl-C in its terminal) never reaches QEMU. setsid execs QEMU (the JVM's
            // child is no group leader), so the pid stays QEMU's.
            argv.add("setsid");
        }
        argv.addAll(spec.qemuArgv());
        argv.addAll(List.of("-chardev", "socket,id=qmp,path=" + run.qmpSocket() + ",server=on,wait=off",
                "-mon", "chardev=qmp,mode=control"));
        argv.addAll(List.of("-chardev", "socket,id=console,path=" + run.consoleSocket() + ",server=on,wait=off,logfile="
                + run.consoleLog() + ",logappend=on", "-serial", "chardev:console"));
        argv.addAll(List.of("-pidfile", run.pidFile().toString(), "-S"));
        // QEMU opens every -blockdev file, socket and log first, then drops to this user (7.2's -runas).
        spec.runAs().ifPresent(user -> argv.addAll(List.of("-runas", user)));
        return argv;
    }
}
