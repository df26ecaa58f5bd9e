/**
 * JMH benchmarks of the QMP client ({@code qvmm-qmp}): the codec alone (decode, encode), a
 * command's round trip against a real QEMU beside a minimal blocking client as the baseline,
 * and an event flood from a local peer. {@code scripts/bench qmp} runs them all and prints the
 * figures against the targets of the client's design; nothing here asserts a target.
 *
 * <p>The messages used are stored under {@code samples/} beside these classes, one file per
 * message exactly as QEMU puts it on the wire (less the CRLF), so that the summary can show each
 * one's size and a reader can see what was measured.
 */
package dev.qvmm.bench.qmp;
