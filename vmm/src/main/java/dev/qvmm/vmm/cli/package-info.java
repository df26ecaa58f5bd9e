/**
 * The {@code qvmm} command line (Picocli): one class per subcommand, all sharing
 * {@link dev.qvmm.vmm.cli.HostOptions}. Run from a checkout as {@code scripts/qvmm ARGS}.
 */
package dev.qvmm.vmm.cli;
