#!/usr/bin/env python3
"""Creates the VM of SPEC through the qvmm daemon on SOCKET, N + 1 times (the first warms the
daemon's JVM and is not counted), deleting it after each; prints each create's round trip in
microseconds, one per line: an HTTP request over the Unix socket to the answer, which comes once
QEMU answered its greeting and the guest runs."""
import socket
import sys
import time


def call(path, method, url, body=b""):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(f"{method} {url} HTTP/1.1\r\nHost: qvmm\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data[9:12]), data


def main():
    sock, spec, n = sys.argv[1], open(sys.argv[2], "rb").read(), int(sys.argv[3])
    for i in range(n + 1):
        t0 = time.perf_counter_ns()
        status, answer = call(sock, "POST", "/v1/vms", spec)
        t1 = time.perf_counter_ns()
        if status != 201:
            raise SystemExit(f"daemon_create: create answered {status}: {answer!r}")
        status, answer = call(sock, "DELETE", "/v1/vms/startup?grace=0")
        if status != 200:
            raise SystemExit(f"daemon_create: delete answered {status}: {answer!r}")
        if i > 0:
            print((t1 - t0) // 1000, flush=True)


if __name__ == "__main__":
    main()
