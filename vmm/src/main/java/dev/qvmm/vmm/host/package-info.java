/**
 * The host as planning sees it: read-only probes (accelerator, O_DIRECT, QEMU version, a block
 * device's size by {@link dev.qvmm.vmm.host.BlockDevices}), the host
 * configuration ({@link dev.qvmm.vmm.host.HostConfig}, read from YAML by
 * {@link dev.qvmm.vmm.host.HostConfigReader}) and the confinement of spec paths to its allowed roots
 * ({@link dev.qvmm.vmm.host.AllowedPaths}).
 */
package dev.qvmm.vmm.host;
