#!/usr/bin/env python3
"""Guest-building helpers that need no host tools beyond python3:

  vmlinux VMLINUZ OUT      extract the uncompressed ELF kernel (bootable as PVH) from a bzImage
  cpio DIR OUT             write DIR as a gzip'd newc cpio archive (an initramfs), sorted and
                           with fixed ownership and mtimes, so the same input gives the same bytes
"""
import gzip
import lzma
import os
import stat
import sys


def vmlinux(vmlinuz, out):
    data = open(vmlinuz, "rb").read()
    start = data.find(b"\xfd7zXZ\x00")
    if start < 0:
        sys.exit(f"{vmlinuz}: no XZ payload found; is it a Debian x86_64 bzImage?")
    kernel = lzma.LZMADecompressor().decompress(data[start:])
    if kernel[:4] != b"\x7fELF":
        sys.exit(f"{vmlinuz}: the XZ payload is not an ELF kernel")
    with open(out, "wb") as f:
        f.write(kernel)


def cpio(root, out):
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            entries.append(os.path.join(dirpath, name))
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        ino = 1
        for path in entries:
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                body = os.readlink(path).encode()
            elif stat.S_ISREG(st.st_mode):
                body = open(path, "rb").read()
            else:
                body = b""
            write_entry(f, rel, st.st_mode, body, ino)
            ino += 1
        write_entry(f, "TRAILER!!!", 0, b"", 0)


def write_entry(f, name, mode, body, ino):
    name_bytes = name.encode() + b"\x00"
    header = "070701" + "".join(f"{v:08X}" for v in (
        ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(name_bytes), 0))
    f.write(header.encode() + name_bytes)
    f.write(b"\x00" * ((4 - (110 + len(name_bytes)) % 4) % 4))
    f.write(body)
    f.write(b"\x00" * ((4 - len(body) % 4) % 4))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("vmlinux", "cpio"):
        sys.exit(__doc__)
    {"vmlinux": vmlinux, "cpio": cpio}[sys.argv[1]](sys.argv[2], sys.argv[3])
