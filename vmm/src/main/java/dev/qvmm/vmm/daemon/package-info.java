/**
 * {@code qvmm daemon}: many VMs on one host behind a local HTTP API on a Unix socket. Each VM's
 * spec and last status live on disk under {@code <state-dir>/vms/<name>}; its QEMU runs in a
 * session of its own and outlives the daemon, which re-adopts it when it starts again.
 */
package dev.qvmm.vmm.daemon;
