#!/usr/bin/env python3
"""The libvirt equivalent of a qvmm plan, so that libvirt and qvmm start the same QEMU machine.

  libvirt_domain.py domain PLAN.json NAME CONSOLE_SOCKET [--scsi-controller]   domain XML on stdout
  libvirt_domain.py disk PLAN.json DISK [SOURCE_FILE]                          one <disk> on stdout

PLAN.json is `qvmm plan --json FILE`. What is rendered: machine type, accelerator (TCG ->
<domain type='qemu'>), -cpu (max -> mode='maximum'), memory, vCPU topology, direct kernel boot
(-kernel/-initrd/-append from the plan's argv), as many pcie-root-ports as the plan has, every
disk with the same bus, format, cache, aio, discard, detect-zeroes, error policies, queues and
serial, and the serial console (ttyS0) as a Unix socket QEMU connects to (the caller listens on
it), which is how the caller sees the guest's first report line. The plan's argv adds nothing else
(qvmm runs QEMU with -nodefaults), so libvirt's own defaults that can be switched off are (USB
controller, memory balloon); those that cannot (e.g. -no-shutdown, -rtc, -sandbox) are listed by
the benchmark from the running QEMU's command line. Anything the plan has that this cannot render
(iothreads, filesystems, another protocol or device) is an error naming it, not silently dropped.
PCI addresses are left to libvirt (one device per root port, as in qvmm's plan).
"""
import json
import sys
from xml.sax.saxutils import quoteattr, escape

BUSES = {"virtio-blk-pci": "virtio", "scsi-hd": "scsi"}
FORMATS = {"raw", "qcow2"}


def fail(message):
    raise SystemExit(f"libvirt_domain: {message}")


def argv_value(argv, option):
    """The value after OPTION in the plan's argv, or None."""
    for a, b in zip(argv, argv[1:]):
        if a == option:
            return b
    return None


def disk_xml(disk, source=None, indent="    "):
    """One <disk> element for a disk of the plan (file protocol, raw/qcow2 format)."""
    device = disk["device"]
    bus = BUSES.get(device["driver"])
    if bus is None:
        fail(f"disk {disk['name']}: device {device['driver']} has no rendering here (only {', '.join(BUSES)})")
    nodes = {n["node-name"]: n for n in disk["nodes"]}
    top = nodes[disk["top"]]
    if top["driver"] not in FORMATS:
        fail(f"disk {disk['name']}: format node {top['driver']} has no rendering here (only {', '.join(sorted(FORMATS))})")
    proto = nodes.get(top.get("file")) if isinstance(top.get("file"), str) else None
    if proto is None or proto["driver"] != "file":
        fail(f"disk {disk['name']}: only a format node over a 'file' protocol node is rendered")
    driver = {"name": "qemu", "type": top["driver"], "cache": disk["cache"]}
    if proto.get("aio"):
        driver["io"] = proto["aio"]
    if top.get("discard") in ("unmap", "ignore"):
        driver["discard"] = top["discard"]
    if top.get("detect-zeroes"):
        driver["detect_zeroes"] = top["detect-zeroes"]
    if device.get("werror"):
        driver["error_policy"] = {"enospc": "enospace"}.get(device["werror"], device["werror"])
    if device.get("rerror"):
        driver["rerror_policy"] = device["rerror"]
    if bus == "virtio" and device.get("num-queues"):
        driver["queues"] = str(device["num-queues"])
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in driver.items())
    lines = [f"{indent}<disk type='file' device='disk'>",
             f"{indent}  <driver {attrs}/>",
             f"{indent}  <source file={quoteattr(source or proto['filename'])}/>",
             f"{indent}  <target dev={quoteattr(disk['target'])} bus='{bus}'/>"]
    if device.get("serial"):
        lines.append(f"{indent}  <serial>{escape(device['serial'])}</serial>")
    if top.get("read-only"):
        lines.append(f"{indent}  <readonly/>")
    lines.append(f"{indent}</disk>")
    return "\n".join(lines)


def domain_xml(plan, name, console, scsi_controller):
    m = plan["machine"]
    argv = plan["argv"]
    if plan["iothreads"]["count"] or plan["filesystems"] or plan["objects"]:
        fail("iothreads, filesystems and extra objects are not rendered; plan a spec without them")
    domain_type = {"tcg": "qemu", "kvm": "kvm"}[m["accelerator"]]
    cpu = argv_value(argv, "-cpu")
    cpu_mode = {"max": "maximum", "host": "host-passthrough"}.get(cpu)
    if cpu_mode is None:
        fail(f"-cpu {cpu} has no rendering here")
    kernel, initrd, append = (argv_value(argv, o) for o in ("-kernel", "-initrd", "-append"))
    if not kernel:
        fail("the plan boots no kernel directly (-kernel); only direct kernel boot is rendered")
    ports = sum(1 for c in plan["controllers"] if c["driver"] == "pcie-root-port")
    others = [c["driver"] for c in plan["controllers"] if c["driver"] not in ("pcie-root-port", "virtio-scsi-pci")]
    if others:
        fail(f"controllers {others} are not rendered")
    scsi = scsi_controller or any(c["driver"] == "virtio-scsi-pci" for c in plan["controllers"])
    out = [f"<domain type='{domain_type}'>",
           f"  <name>{escape(name)}</name>",
           f"  <memory unit='MiB'>{m['memoryMiB']}</memory>",
           f"  <vcpu>{m['vcpus']}</vcpu>",
           f"  <cpu mode='{cpu_mode}'><topology sockets='{m['sockets']}' dies='1' cores='{m['cores']}' threads='{m['threads']}'/></cpu>",
           "  <os>",
           f"    <type arch='x86_64' machine={quoteattr(m['type'])}>hvm</type>",
           f"    <kernel>{escape(kernel)}</kernel>"]
    if initrd:
        out.append(f"    <initrd>{escape(initrd)}</initrd>")
    if append:
        out.append(f"    <cmdline>{escape(append)}</cmdline>")
    out += ["  </os>",
            # QEMU's default, which qvmm keeps; libvirt says -no-acpi without it.
            "  <features><acpi/></features>",
            "  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>",
            "  <devices>",
            f"    <emulator>{escape(argv[0] if argv[0].startswith('/') else '/usr/bin/' + argv[0])}</emulator>",
            "    <controller type='pci' model='pcie-root'/>"]
    out += ["    <controller type='pci' model='pcie-root-port'/>"] * ports
    if scsi:
        out.append("    <controller type='scsi' index='0' model='virtio-scsi'/>")
    out += ["    <controller type='usb' model='none'/>"]
    out += [disk_xml(d) for d in plan["disks"]]
    out += [f"    <serial type='unix'><source mode='connect' path={quoteattr(console)}/><target port='0'/></serial>",
            "    <memballoon model='none'/>",
            "  </devices>",
            "</domain>"]
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    if len(args) >= 4 and args[0] == "domain":
        plan = json.load(open(args[1]))
        sys.stdout.write(domain_xml(plan, args[2], args[3], "--scsi-controller" in args[4:]))
    elif len(args) in (3, 4) and args[0] == "disk":
        plan = json.load(open(args[1]))
        disks = [d for d in plan["disks"] if d["name"] == args[2]]
        if not disks:
            fail(f"the plan has no disk {args[2]}")
        sys.stdout.write(disk_xml(disks[0], args[3] if len(args) == 4 else None, indent="") + "\n")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
