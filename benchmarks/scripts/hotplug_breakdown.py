#!/usr/bin/env python3
"""Where a hotplug cycle's time goes inside QEMU, measured with a bare blocking QMP client (no
qvmm): each command of the cycle HotplugBenchmark runs, and the wait from device_del to the
DEVICE_DELETED event. Starts its own QEMU (q35, virtio-scsi, -S); prints one markdown table of
medians over N cycles (default 50)."""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    qemu = os.environ.get("QVMM_BENCH_QEMU") or "qemu-system-x86_64"
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="qvmm-hotplug-") as d:
        sock = os.path.join(d, "qmp.sock")
        p = subprocess.Popen([qemu, "-machine", "q35", "-device", "virtio-scsi-pci,id=scsi0", "-nodefaults",
                              "-display", "none", "-S", "-qmp", f"unix:{sock},server=on,wait=off"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            s = socket.socket(socket.AF_UNIX)
            while True:
                try:
                    s.connect(sock)
                    break
                except OSError:
                    if time.time() > deadline or p.poll() is not None:
                        raise SystemExit("hotplug_breakdown: QEMU did not start")
                    time.sleep(0.01)
            f = s.makefile("rw")
            f.readline()
            pending = []

            def cmd(c, a=None):
                m = {"execute": c}
                if a:
                    m["arguments"] = a
                f.write(json.dumps(m) + "\n")
                f.flush()
                while True:
                    r = json.loads(f.readline())
                    if "return" in r:
                        return r
                    if "error" in r:
                        raise SystemExit(f"hotplug_breakdown: {c}: {r['error']}")
                    pending.append(r)

            cmd("qmp_capabilities")
            phases = {k: [] for k in ("blockdev-add", "device_add", "device_del", "device_del -> DEVICE_DELETED", "blockdev-del")}
            for _ in range(n + 1):
                t = [time.perf_counter()]
                cmd("blockdev-add", {"driver": "null-co", "node-name": "hp0", "size": 64 << 20})
                t.append(time.perf_counter())
                cmd("device_add", {"driver": "scsi-hd", "id": "hpdisk0", "bus": "scsi0.0", "drive": "hp0"})
                t.append(time.perf_counter())
                cmd("device_del", {"id": "hpdisk0"})
                t.append(time.perf_counter())
                while not any(e.get("event") == "DEVICE_DELETED" and e["data"].get("device") == "hpdisk0" for e in pending):
                    pending.append(json.loads(f.readline()))
                pending.clear()
                t.append(time.perf_counter())
                cmd("blockdev-del", {"node-name": "hp0"})
                t.append(time.perf_counter())
                for (name, values), a, b in zip(phases.items(), t, t[1:]):
                    values.append((b - a) * 1e6)
            print("| step (bare client, no qvmm) | median us |")
            print("|---|---|")
            for name, values in phases.items():
                print(f"| {name} | {statistics.median(values[1:]):.0f} |")
            cmd("quit")
        finally:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()
