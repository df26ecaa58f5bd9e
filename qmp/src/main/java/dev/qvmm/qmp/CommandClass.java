package dev.qvmm.qmp;

import java.util.Set;

/**
 * How long a command may take, by what it does. Queries answer from QEMU's memory; graph
 * changes may open files or wait for a device; job commands start work that is followed by
 * events, so the client puts no deadline on them.
 */
public enum CommandClass {
    QUERY,
    CHANGE,
    JOB,
    OTHER;

    private static final Set<String> CHANGES = Set.of(
            "blockdev-add", "blockdev-del", "blockdev-reopen", "device_add", "device_del", "object-add", "object-del",
            "block_resize", "blockdev-change-medium", "blockdev-open-tray", "blockdev-close-tray",
            "blockdev-remove-medium", "blockdev-insert-medium", "eject", "getfd", "closefd", "add-fd", "remove-fd",
            "chardev-add", "chardev-remove", "netdev_add", "netdev_del", "block-set-write-threshold",
            "block_set_io_throttle", "x-blockdev-change", "blockdev-snapshot", "blockdev-snapshot-sync");
    private static final Set<String> JOBS = Set.of(
            "blockdev-mirror", "drive-mirror", "blockdev-backup", "drive-backup", "block-commit", "block-stream",
            "blockdev-create", "blockdev-amend", "snapshot-save", "snapshot-load", "snapshot-delete", "migrate",
            "dump-guest-memory");

    public static CommandClass of(String command) {
        if (command.startsWith("query-") || command.equals("qom-get") || command.equals("qom-list")
                || command.equals("qom-list-types") || command.equals("qom-list-properties")) {
            return QUERY;
        }
        if (CHANGES.contains(command)) {
            return CHANGE;
        }
        if (JOBS.contains(command) || command.startsWith("job-") || command.startsWith("block-job-")) {
            return JOB;
        }
        return OTHER;
    }
}
