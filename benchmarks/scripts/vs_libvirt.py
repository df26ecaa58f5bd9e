#!/usr/bin/python3
"""The probe guest under qvmm and under libvirt, same machine, alternating runs; raw results as JSON.

  vs_libvirt.py WORK OUT.json

WORK (made by `scripts/bench vs-libvirt`) holds: guest/ (vmlinux, initrd.img), vm-1.yaml and
vm-16.yaml (the same spec with 1 and 16 raw disks), hp.yaml (the hotplug VM), their plans
(plan-*.json: `qvmm plan --json`; the libvirt hotplug domain's is hp-libvirt.yaml's, the same
spec on its own disk file, as both hotplug VMs run at once) and the libvirt domains made from them (dom-*.xml, console
socket WORK/console.sock), hp-disk.xml (the hotplugged disk from qvmm's plan of it). The qvmm
daemon runs with --qmp-passthrough on $QVMM_SOCKET; libvirtd answers at $LIBVIRT_URI; the CLI is
$QVMM (scripts/qvmm). Run counts: $QVMM_BENCH_RUNS (starts per variant and disk count, CLI hotplug
cycles and CLI QMP calls) and $QVMM_BENCH_CYCLES (API hotplug cycles; API QMP calls are 10 times
that); $QVMM_BENCH_PARTS (default start,hotplug,qmp) which parts to run. Runs/cycles of the variants alternate, each round in a rotated order. Every VM and domain
made here is gone when this returns, also on failure.

Every figure is wall-clock time.perf_counter() in this process:
  start  request -> vCPUs running: qvmm run: the process launch -> its "Running" event on stderr;
         daemon: HTTP create request -> answer (sent once QEMU runs the guest); qvmm create: the
         CLI's launch -> its exit; virsh create: launch -> exit; libvirt API: createXML() -> return
         (libvirt resumes the vCPUs before it returns).
         request -> first report line: the same start -> "QVMM start" read from the guest's ttyS0
         (qvmm run: its stdout; daemon/qvmm create: the daemon's console endpoint, attached after
         the answer, seconds before the guest gets that far; libvirt: the console socket QEMU
         connected to).
  hotplug, qmp: one call's round trip; CLI = a process per call, API = a call on a connection.
"""
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

import libvirt
import libvirt_qemu

WORK, OUT = sys.argv[1], sys.argv[2]
SOCK = os.environ["QVMM_SOCKET"]
URI = os.environ.get("LIBVIRT_URI", "qemu:///system")
QVMM = os.environ["QVMM"]
RUNS = int(os.environ.get("QVMM_BENCH_RUNS", "4"))
PARTS = os.environ.get("QVMM_BENCH_PARTS", "start,hotplug,qmp").split(",")
CYCLES = int(os.environ.get("QVMM_BENCH_CYCLES", "30"))
MARK = b"QVMM start"
BOOT_DEADLINE = 180   # seconds from a start request to the first report line, under a loaded TCG
CALL_DEADLINE = 120
CONSOLE = os.path.join(WORK, "console.sock")
ENV = dict(os.environ, QVMM_SKIP_BUILD="1")


def log(msg):
    print(f"vs-libvirt: {msg}", file=sys.stderr, flush=True)


def ms(t0, t1):
    return round((t1 - t0) * 1000, 3)


def http(method, url, body=b"", timeout=CALL_DEADLINE):
    """One request on the daemon's socket; (status, body)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    try:
        s.connect(SOCK)
        if isinstance(body, str):
            body = body.encode()
        s.sendall(f"{method} {url} HTTP/1.1\r\nHost: qvmm\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    return int(data[9:12]), data.split(b"\r\n\r\n", 1)[-1]


def expect(what, status, body, want):
    if status != want:
        raise SystemExit(f"vs-libvirt: {what} answered {status}, not {want}: {body[:400]!r}")


def read_until_mark(sock, deadline, seen=b""):
    """Reads SOCK until the guest's first report line; False at the deadline or on EOF."""
    buf = seen
    while MARK not in buf:
        left = deadline - time.perf_counter()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False
        if not chunk:
            return False
        buf = buf[-64:] + chunk
    return True


def qvmm_console(name, deadline):
    """The daemon's console endpoint of VM NAME, after its 101; returns (socket, bytes after the head)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(CALL_DEADLINE)
    s.connect(SOCK)
    s.sendall(f"GET /v1/vms/{name}/console HTTP/1.1\r\nHost: qvmm\r\nConnection: Upgrade\r\nUpgrade: qvmm-console\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        if time.perf_counter() > deadline:
            raise SystemExit(f"vs-libvirt: no console answer for {name}")
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit(f"vs-libvirt: the console of {name} closed: {head!r}")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise SystemExit(f"vs-libvirt: console of {name}: {head[:200]!r}")
    return s, head.split(b"\r\n\r\n", 1)[1]


class Console:
    """The Unix socket a libvirt domain's serial console connects to (QEMU runs as libvirt-qemu)."""

    def __init__(self):
        if os.path.exists(CONSOLE):
            os.unlink(CONSOLE)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(CONSOLE)
        os.chmod(CONSOLE, 0o777)
        self.sock.listen(1)

    def first_line(self, deadline):
        self.sock.settimeout(max(0.001, deadline - time.perf_counter()))
        try:
            conn, _ = self.sock.accept()
        except socket.timeout:
            return False
        with conn:
            return read_until_mark(conn, deadline)

    def close(self):
        self.sock.close()
        if os.path.exists(CONSOLE):
            os.unlink(CONSOLE)


class Bench:
    def __init__(self):
        self.conn = libvirt.open(URI)
        self.domains = set()   # names of libvirt domains this run may have left
        self.vms = set()       # names of qvmm daemon VMs likewise
        self.raw = {"runs": RUNS, "cycles": CYCLES, "start": [], "hotplug": [], "qmp": [], "cmdline": {}}

    # ---- teardown, untimed ----
    def destroy(self, name):
        try:
            self.conn.lookupByName(name).destroy()
        except libvirt.libvirtError as e:
            if e.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise
        self.domains.discard(name)

    def delete(self, name):
        status, body = http("DELETE", f"/v1/vms/{name}?grace=0")
        if status not in (200, 404):
            expect(f"delete {name}", status, body, 200)
        self.vms.discard(name)

    def cleanup(self):
        for name in list(self.domains):
            try:
                self.destroy(name)
            except Exception as e:  # keep cleaning; say what is left
                log(f"could not destroy domain {name}: {e}")
        for name in list(self.vms):
            try:
                self.delete(name)
            except Exception as e:
                log(f"could not delete VM {name}: {e}")

    # ---- start variants: each returns (request -> running ms, request -> first line ms) ----
    def qvmm_run(self, disks):
        state = os.path.join(WORK, "run-state")
        t0 = time.perf_counter()
        p = subprocess.Popen([QVMM, "run", "--events", "json", "--grace", "0", "--state-dir", state, "--allow-path", WORK,
                              os.path.join(WORK, f"vm-{disks}.yaml")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        running = first = None
        deadline = t0 + BOOT_DEADLINE
        sel = selectors.DefaultSelector()
        sel.register(p.stdout, selectors.EVENT_READ, "out")
        sel.register(p.stderr, selectors.EVENT_READ, "err")
        out, err = b"", b""
        try:
            while (running is None or first is None) and time.perf_counter() < deadline:
                for key, _ in sel.select(timeout=deadline - time.perf_counter()):
                    chunk = os.read(key.fileobj.fileno(), 65536)
                    now = time.perf_counter()
                    if not chunk:
                        raise SystemExit(f"vs-libvirt: qvmm run ended early: {err.decode(errors='replace')[-2000:]}")
                    if key.data == "out":
                        out = out[-64:] + chunk
                        if first is None and MARK in out:
                            first = now
                    else:
                        err += chunk
                        if running is None and b'"phase":"Running"' in err:
                            running = now
            if running is None or first is None:
                raise SystemExit(f"vs-libvirt: qvmm run: no Running event or report line in {BOOT_DEADLINE} s: {err.decode(errors='replace')[-2000:]}")
        finally:
            p.send_signal(signal.SIGTERM)   # qvmm stops QEMU (grace 0) and exits normally
            try:
                p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
        return ms(t0, running), ms(t0, first)

    def qvmm_daemon(self, disks, cli=False):
        name = f"vsl{disks}"
        spec = os.path.join(WORK, f"vm-{disks}.yaml")
        self.vms.add(name)
        t0 = time.perf_counter()
        if cli:
            r = subprocess.run([QVMM, "create", "--socket", SOCK, spec], capture_output=True, env=ENV, timeout=CALL_DEADLINE)
            if r.returncode != 0:
                raise SystemExit(f"vs-libvirt: qvmm create failed: {r.stderr.decode(errors='replace')}")
        else:
            status, body = http("POST", "/v1/vms", open(spec, "rb").read())
            expect("create", status, body, 201)
        t1 = time.perf_counter()
        deadline = t0 + BOOT_DEADLINE
        con, seen = qvmm_console(name, deadline)
        with con:
            if not read_until_mark(con, deadline, seen):
                raise SystemExit(f"vs-libvirt: VM {name} printed no report line in {BOOT_DEADLINE} s")
        t2 = time.perf_counter()
        self.delete(name)
        return ms(t0, t1), ms(t0, t2)

    def libvirt_start(self, disks, cli=False):
        name = f"vsl-{disks}"
        xml = os.path.join(WORK, f"dom-{disks}.xml")
        console = Console()
        self.domains.add(name)
        try:
            t0 = time.perf_counter()
            if cli:
                r = subprocess.run(["virsh", "-q", "-c", URI, "create", xml], capture_output=True, timeout=CALL_DEADLINE)
                if r.returncode != 0:
                    raise SystemExit(f"vs-libvirt: virsh create failed: {r.stderr.decode(errors='replace')}")
            else:
                self.conn.createXML(open(xml).read(), 0)
            t1 = time.perf_counter()
            if not console.first_line(t0 + BOOT_DEADLINE):
                raise SystemExit(f"vs-libvirt: domain {name} printed no report line in {BOOT_DEADLINE} s")
            t2 = time.perf_counter()
        finally:
            console.close()
        self.destroy(name)
        return ms(t0, t1), ms(t0, t2)

    def starts(self):
        variants = [("qvmm run (CLI, cold JVM)", "qvmm", "cli", self.qvmm_run),
                    ("qvmm create (CLI -> daemon)", "qvmm", "cli", lambda d: self.qvmm_daemon(d, cli=True)),
                    ("qvmm daemon (HTTP API)", "qvmm", "api", self.qvmm_daemon),
                    ("virsh create (CLI -> libvirtd)", "libvirt", "cli", lambda d: self.libvirt_start(d, cli=True)),
                    ("libvirt createXML (API)", "libvirt", "api", self.libvirt_start)]
        for disks in (1, 16):
            # One uncounted round first: the qvmm CLI's first run writes its JVM class-data archive,
            # libvirtd and the daemon load what they load once. The 16-disk set finds all that warm.
            warm = 1 if disks == 1 else 0
            log(f"start, {disks} disk(s): {len(variants)} variants x {RUNS + warm} runs{' (the first of each not counted)' if warm else ''}, alternating")
            for r in range(RUNS + warm):
                for i in range(len(variants)):
                    label, side, level, fn = variants[(i + r) % len(variants)]
                    running, first = fn(disks)
                    self.raw["start"].append({"disks": disks, "variant": label, "side": side, "level": level,
                                              "round": r, "warmup": r < warm, "running_ms": running, "first_line_ms": first})
                log(f"  round {r + 1}/{RUNS + warm} done")

    # ---- hotplug and QMP on one running VM each ----
    def cmdline(self, name, pid):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().decode().split("\0")[:-1]
        with open(f"/proc/{pid}/status") as f:
            uid = next(l.split()[1] for l in f if l.startswith("Uid:"))
        self.raw["cmdline"][name] = {"argv": argv, "uid": int(uid)}

    def running_pair(self):
        """Starts the hotplug VM under both, waits for both guests' first report line."""
        deadline = time.perf_counter() + BOOT_DEADLINE
        self.vms.add("vslhp")
        status, body = http("POST", "/v1/vms", open(os.path.join(WORK, "hp.yaml"), "rb").read())
        expect("create vslhp", status, body, 201)
        pid = json.loads(body).get("qemuPid")
        con, seen = qvmm_console("vslhp", deadline)
        with con:
            if not read_until_mark(con, deadline, seen):
                raise SystemExit("vs-libvirt: VM vslhp printed no report line")
        if pid is None:
            status, body = http("GET", "/v1/vms/vslhp")
            pid = json.loads(body).get("qemuPid")
        self.cmdline("qvmm", pid)
        console = Console()
        self.domains.add("vsl-hp")
        try:
            dom = self.conn.createXML(open(os.path.join(WORK, "dom-hp.xml")).read(), 0)
            if not console.first_line(deadline):
                raise SystemExit("vs-libvirt: domain vsl-hp printed no report line")
        finally:
            console.close()
        with open(f"/run/libvirt/qemu/vsl-hp.pid") as f:
            self.cmdline("libvirt", int(f.read().strip()))
        return dom

    def hotplug(self, dom):
        disk = open(os.path.join(WORK, "hp-disk.xml")).read()
        disk_path = os.path.join(WORK, "hp-disk.xml")
        live = libvirt.VIR_DOMAIN_AFFECT_LIVE
        add_body = json.dumps({"volumeName": "hp1", "bus": "scsi"})

        def run(argv):
            r = subprocess.run(argv, capture_output=True, env=ENV, timeout=CALL_DEADLINE)
            if r.returncode != 0:
                raise SystemExit(f"vs-libvirt: {' '.join(argv)} failed: {r.stderr.decode(errors='replace')}")

        def qvmm_api(op):
            if op == "attach":
                status, body = http("POST", "/v1/vms/vslhp/volumes", add_body)
            else:
                status, body = http("DELETE", "/v1/vms/vslhp/volumes/hp1")
            expect(f"{op} hp1", status, body, 200)

        ops = {
            ("qvmm", "cli"): lambda op: run([QVMM, "addvolume" if op == "attach" else "removevolume", "vslhp",
                                             "--volume-name", "hp1", "--socket", SOCK]),
            ("qvmm", "api"): qvmm_api,
            ("libvirt", "cli"): lambda op: run(["virsh", "-q", "-c", URI, "attach-device" if op == "attach" else "detach-device",
                                                "vsl-hp", disk_path, "--live"]),
            ("libvirt", "api"): lambda op: (dom.attachDeviceFlags if op == "attach" else dom.detachDeviceFlags)(disk, live),
        }
        for level, n in (("cli", RUNS * 2), ("api", CYCLES)):
            log(f"hotplug ({level}): {n + 1} attach/detach cycles per side (the first not counted), alternating")
            for c in range(n + 1):
                sides = ("qvmm", "libvirt") if c % 2 == 0 else ("libvirt", "qvmm")
                for side in sides:
                    for op in ("attach", "detach"):
                        t0 = time.perf_counter()
                        ops[(side, level)](op)
                        t1 = time.perf_counter()
                        self.raw["hotplug"].append({"side": side, "level": level, "op": op, "cycle": c,
                                                    "warmup": c == 0, "ms": ms(t0, t1)})

    def qmp(self, dom):
        cmd = '{"execute":"query-status"}'

        def run(argv):
            r = subprocess.run(argv, capture_output=True, env=ENV, timeout=CALL_DEADLINE)
            if r.returncode != 0 or b"running" not in r.stdout:
                raise SystemExit(f"vs-libvirt: {' '.join(argv)}: {r.stdout!r} {r.stderr.decode(errors='replace')}")

        def qvmm_api():
            status, body = http("POST", "/v1/vms/vslhp/qmp", cmd)
            expect("qmp", status, body, 200)

        def libvirt_api():
            if "running" not in libvirt_qemu.qemuMonitorCommand(dom, cmd, 0):
                raise SystemExit("vs-libvirt: query-status through libvirt did not say running")

        ops = {("qvmm", "cli"): lambda: run([QVMM, "qmp", "--vm", "vslhp", "--daemon-socket", SOCK, "query-status"]),
               ("qvmm", "api"): qvmm_api,
               ("libvirt", "cli"): lambda: run(["virsh", "-q", "-c", URI, "qemu-monitor-command", "vsl-hp", cmd]),
               ("libvirt", "api"): libvirt_api}
        for level, n in (("cli", RUNS * 2), ("api", CYCLES * 10)):
            log(f"QMP query-status ({level}): {n + 1} calls per side (the first not counted), alternating")
            for c in range(n + 1):
                for side in (("qvmm", "libvirt") if c % 2 == 0 else ("libvirt", "qvmm")):
                    t0 = time.perf_counter()
                    ops[(side, level)]()
                    t1 = time.perf_counter()
                    self.raw["qmp"].append({"side": side, "level": level, "call": c, "warmup": c == 0, "ms": ms(t0, t1)})


def main():
    b = Bench()
    try:
        if "start" in PARTS:
            b.starts()
        if "hotplug" in PARTS or "qmp" in PARTS:
            dom = b.running_pair()
            if "hotplug" in PARTS:
                b.hotplug(dom)
            if "qmp" in PARTS:
                b.qmp(dom)
    finally:
        b.cleanup()
        b.conn.close()
    with open(OUT, "w") as f:
        json.dump(b.raw, f, indent=1)


if __name__ == "__main__":
    main()
