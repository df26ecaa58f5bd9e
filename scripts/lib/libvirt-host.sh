# shellcheck shell=bash
# libvirt on this host for `scripts/bench vs-libvirt`: used as found when libvirtd already answers,
# else started here and stopped again by libvirt_down, which also puts back what libvirt_up
# changed. Nothing here edits /etc/libvirt. Callers run as root and define die().

LIBVIRT_URI=qemu:///system
LIBVIRT_STARTED=""        # systemd | direct | "" (found running)
LIBVIRT_KVM_RESTORE=""    # "uid:gid mode" of /dev/kvm to put back
LIBVIRT_CACHE=/var/cache/libvirt/qemu/capabilities
LIBVIRT_CACHE_BEFORE=""   # the capability cache's files before libvirtd was started here
LIBVIRT_NOTES=()          # what the report should say about the host's libvirt

libvirt_answers() {
    timeout 10 virsh -q -c "$LIBVIRT_URI" uri >/dev/null 2>&1
}

# libvirt runs QEMU as libvirt-qemu and trusts its cached QEMU capabilities only while what it
# saw at probe time still holds. A /dev/kvm that root's QEMU can open but libvirt-qemu cannot
# (no udev here, so the kernel's 0600 root:root stays) makes every capability lookup re-probe
# QEMU: "KVM was enabled when probing, but it is not available now", about a minute per
# `virsh create` on this machine. Debian's udev rule makes it root:kvm 0660 (libvirt-qemu is in
# group kvm); do the same until libvirt_down, and say so. Domains here are TCG either way.
libvirt_kvm_access() {
    [[ -e /dev/kvm ]] || return 0
    setpriv --reuid=libvirt-qemu --regid=libvirt-qemu --init-groups test -r /dev/kvm -a -w /dev/kvm 2>/dev/null && return 0
    LIBVIRT_KVM_RESTORE="$(stat -c '%u:%g %a' /dev/kvm)"
    local was
    was=$(stat -c '%U:%G %a' /dev/kvm)
    { chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; } || die "cannot make /dev/kvm root:kvm 0660 for libvirt-qemu"
    echo "bench: /dev/kvm is $was here (no udev), which libvirt-qemu cannot open; set to root:kvm 0660 as Debian's udev rule makes it, until the end"
    LIBVIRT_NOTES+=("/dev/kvm was $was on this host (no udev), which libvirt-qemu cannot open; libvirt then distrusts its cached QEMU capabilities on every lookup (\"KVM was enabled when probing, but it is not available now\") and re-probes QEMU about 16 times per domain start: \`virsh create\` took about 64 s here. The bench set /dev/kvm to root:kvm 0660 (what Debian's udev rule makes it) for its duration and put it back afterwards; every figure in this report is with that setting.")
}

libvirt_up() {
    libvirt_kvm_access
    if libvirt_answers; then
        echo "bench: libvirtd already answers at $LIBVIRT_URI; using it and leaving it running"
        LIBVIRT_NOTES+=("libvirtd was already running; the bench used it as it was.")
        return 0
    fi
    LIBVIRT_CACHE_BEFORE=$(ls -1 "$LIBVIRT_CACHE" 2>/dev/null || true)
    local init
    # /proc, not ps: procps is not on a minbase host and nothing here installs it.
    init=$(cat /proc/1/comm)
    if [[ $init == systemd ]]; then
        echo "bench: starting libvirtd.service (stopped again at the end)"
        systemctl start libvirtd.service || die "systemctl start libvirtd.service failed; see journalctl -u libvirtd"
        LIBVIRT_STARTED=systemd
    else
        # QEMU's stdout/stderr go through virtlogd (qemu.conf stdio_handler "logd"); without systemd's
        # socket activation it has to be running before the first domain starts.
        echo "bench: PID 1 is $init, not systemd: starting virtlogd -d and libvirtd -d directly (stopped again at the end)"
        LIBVIRT_STARTED=direct
        if ! { [[ -f /run/virtlogd.pid ]] && kill -0 "$(cat /run/virtlogd.pid)" 2>/dev/null; }; then
            virtlogd -d -p /run/virtlogd.pid || die "virtlogd -d failed"
            LIBVIRT_STARTED="direct virtlogd"
        fi
        libvirtd -d -p /run/libvirtd.pid || die "libvirtd -d failed; see /var/log/libvirt/libvirtd.log"
        LIBVIRT_NOTES+=("No systemd on this host (PID 1 is $init): the bench started \`virtlogd -d\` and \`libvirtd -d\` itself and stopped them afterwards.")
    fi
    # libvirtd has no readiness signal outside systemd: ask until it answers, for at most 30 s.
    local deadline=$((SECONDS + 30))
    until libvirt_answers; do
        ((SECONDS < deadline)) || die "libvirtd does not answer at $LIBVIRT_URI after 30 s; see /var/log/libvirt/libvirtd.log"
        sleep 0.2
    done
}

# Stops what libvirt_up started (TERM, then waits up to 30 s), removes the capability cache files
# that libvirtd wrote meanwhile and the logs of the domains named in $@, puts /dev/kvm back.
libvirt_down() {
    local name f deadline pid
    for name in "$@"; do rm -f "/var/log/libvirt/qemu/$name.log"; done
    case $LIBVIRT_STARTED in
        systemd)
            systemctl stop libvirtd.service || echo "bench: systemctl stop libvirtd.service failed" >&2 ;;
        direct*)
            for f in /run/libvirtd.pid $([[ $LIBVIRT_STARTED == *virtlogd* ]] && echo /run/virtlogd.pid); do
                [[ -f $f ]] || continue
                pid=$(cat "$f")
                kill -TERM "$pid" 2>/dev/null || continue
                deadline=$((SECONDS + 30))
                while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
                kill -0 "$pid" 2>/dev/null && echo "bench: $(basename "$f" .pid) (pid $pid) did not stop in 30 s; left running" >&2
            done ;;
    esac
    if [[ -n $LIBVIRT_STARTED && -d $LIBVIRT_CACHE ]]; then
        for f in "$LIBVIRT_CACHE"/*; do
            [[ -e $f ]] || continue
            grep -qxF "$(basename "$f")" <<<"$LIBVIRT_CACHE_BEFORE" || rm -f "$f"
        done
    fi
    if [[ -n $LIBVIRT_KVM_RESTORE ]]; then
        { chown "${LIBVIRT_KVM_RESTORE% *}" /dev/kvm && chmod "${LIBVIRT_KVM_RESTORE#* }" /dev/kvm; } \
            || echo "bench: could not put /dev/kvm back to $LIBVIRT_KVM_RESTORE" >&2
        LIBVIRT_KVM_RESTORE=""
    fi
    LIBVIRT_STARTED=""
}
