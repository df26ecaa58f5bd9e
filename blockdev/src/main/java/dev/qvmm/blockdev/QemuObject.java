package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.command.ObjectAdd;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A QOM object the storage layer needs: {@link Iothread} (an event loop disks and controllers run
 * in), {@link PrManagerHelper} (the link to qemu-pr-helper for SCSI persistent reservations) or
 * {@link MemoryBackendMemfd} (shared guest RAM for vhost-user-fs).
 * {@link #toJson()} is what {@code -object} and {@code object-add} take.
 */
public sealed interface QemuObject permits QemuObject.Iothread, QemuObject.PrManagerHelper, QemuObject.MemoryBackendMemfd {

    String id();

    ObjectNode toJson();

    default ObjectAdd objectAdd() {
        return new ObjectAdd(toJson());
    }

    /** {@code iothread}. */
    record Iothread(String id) implements QemuObject {
        public Iothread {
            Objects.requireNonNull(id, "id");
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("qom-type", "iothread");
            o.put("id", id);
            return o;
        }
    }

    /** {@code pr-manager-helper} connected to qemu-pr-helper's socket. */
    record PrManagerHelper(String id, Path path) implements QemuObject {
        public PrManagerHelper {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(path, "path");
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("qom-type", "pr-manager-helper");
            o.put("id", id);
            o.put("path", path.toString());
            return o;
        }
    }

    /** {@code memory-backend-memfd} with {@code share=on}: guest RAM a vhost-user daemon can map. */
    record MemoryBackendMemfd(String id, long sizeBytes) implements QemuObject {
        public MemoryBackendMemfd {
            Objects.requireNonNull(id, "id");
            if (sizeBytes <= 0) {
                throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, id,
                        "memory-backend-memfd \"" + id + "\": size " + sizeBytes + " must be positive");
            }
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("qom-type", "memory-backend-memfd");
            o.put("id", id);
            o.put("size", sizeBytes);
            o.put("share", true);
            return o;
        }
    }
}
