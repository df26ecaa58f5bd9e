/** {@code scripts/bench plan}: planning and rendering a VM with 1, 16 and 64 disks. */
package dev.qvmm.bench.plan;
