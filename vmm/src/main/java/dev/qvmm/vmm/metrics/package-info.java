/**
 * KubeVirt's downwardMetrics on a bare host: the host and VM metrics a guest may read
 * ({@link MetricsCollector}), rendered as vhostmd's {@code <metrics>} XML ({@link MetricsXml}), and the
 * two ways a guest reads them, both {@link dev.qvmm.vmm.launch.Companion}s of the VM:
 * {@link VhostmdDiskWriter} rewrites a raw vhostmd disk every 5 s, {@link VhostmdPortServer}
 * answers requests on the {@code org.github.vhostmd.1} virtio-serial port.
 */
package dev.qvmm.vmm.metrics;
