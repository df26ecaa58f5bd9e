package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.spec.KeyData;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Something that must exist on the host before QEMU starts. Planning only lists these; preparing
 * them (idempotently, undoably) is a later step. {@link #ephemeral()} artifacts belong to the VM's
 * run and are removed with it; the others are the user's and are never deleted.
 */
public sealed interface Artifact {

    /** The disk or filesystem it is for. */
    String forName();

    /** True when the artifact is removed when the VM goes away. */
    boolean ephemeral();

    /** Pull a container disk image into the local store, unpacking its disk to {@code diskPath}. */
    record PullContainerDisk(String forName, String image, Optional<String> pathInImage, Path diskPath) implements Artifact {
        public boolean ephemeral() { return false; }
    }

    /**
     * Create a qcow2 overlay over {@code backing}, whose format is {@code backingFormat} when the
     * planner knows it (a claim's raw image or device, never probed: the guest may have written a
     * qcow2 header into it), else probed when the overlay is created (a container disk the store verified).
     */
    record CreateOverlay(String forName, Path path, Path backing, Optional<String> backingFormat) implements Artifact {
        /** An overlay whose backing format is probed. */
        public CreateOverlay(String forName, Path path, Path backing) {
            this(forName, path, backing, Optional.empty());
        }

        public boolean ephemeral() { return true; }
    }

    /** Create a sparse qcow2 of {@code sizeBytes} (emptyDisk). */
    record CreateEmptyDisk(String forName, Path path, long sizeBytes) implements Artifact {
        public boolean ephemeral() { return true; }
    }

    /**
     * Make sure a Filesystem claim's {@code disk.img} exists: created sparse raw at {@code requestedBytes}
     * (the claim's min(request, capacity)) rounded down to 1 MiB if missing, up to {@code tolerateLessSpacePercent} smaller when the file
     * system is short of space; with {@code expand}, grown when the request grew ({@code falloc} when
     * {@code thick}); never shrunk.
     */
    record EnsureClaimImage(String forName, String claimName, Path path, OptionalLong requestedBytes, boolean thick,
                            boolean expand, int tolerateLessSpacePercent) implements Artifact {
        public boolean ephemeral() { return false; }
    }

    /**
     * A Block claim's host device: {@code device} must be a block device (symbolic links followed)
     * of at least {@code requestedBytes}; {@code boundBy} says where the binding came from (the host
     * config's blockClaims, or a PersistentVolume of the stream), for the error messages.
     */
    record RequireBlockDevice(String forName, String claimName, Path device, OptionalLong requestedBytes, String boundBy)
            implements Artifact {
        public boolean ephemeral() { return false; }
    }

    /** A hostDisk of type DiskOrCreate: create a sparse raw image of {@code sizeBytes} if missing. */
    record CreateHostDisk(String forName, Path path, long sizeBytes) implements Artifact {
        public boolean ephemeral() { return false; }
    }

    /** A hostDisk of type Disk: the image must already exist. */
    record RequireHostDisk(String forName, Path path) implements Artifact {
        public boolean ephemeral() { return false; }
    }

    /**
     * Fill a DataVolume's claim image {@code path} from {@code source}, unless already imported;
     * {@code sizeBytes} is the claim's request; {@code blockDevice} when {@code path} is a Block
     * claim's host device, which is never imported into. The claim is the user's once imported.
     */
    record ImportDataVolume(String forName, String dataVolume, ImportSource source, Path path, OptionalLong sizeBytes,
                            boolean blockDevice) implements Artifact {
        public boolean ephemeral() { return false; }
    }

    /** Build an ISO with volume label {@code label} holding {@code content} (cloud-init data, a ConfigMap, a Secret...). */
    record BuildIso(String forName, Path path, String label, IsoContent content) implements Artifact {
        public boolean ephemeral() { return true; }
    }

    /**
     * Create the downwardMetrics disk and keep rewriting it while the VM runs; the VM's metrics
     * report {@code vcpus} and {@code memoryBytes} as its limits.
     */
    record DownwardMetricsDisk(String forName, Path path, int vcpus, long memoryBytes) implements Artifact {
        public boolean ephemeral() { return true; }
    }

    /**
     * Listen on {@code socket} before QEMU starts and answer vhostmd requests from the guest's
     * {@code org.github.vhostmd.1} port ({@code devices.downwardMetrics}).
     */
    record DownwardMetricsPort(String forName, Path socket, int vcpus, long memoryBytes) implements Artifact {
        public boolean ephemeral() { return true; }
    }

    /**
     * Start a virtiofsd serving {@code sharedDir} on {@code socket} before QEMU starts, logging to
     * {@code log}. With {@code contents} (a ConfigMap or Secret written in the YAML stream),
     * {@code sharedDir} is the run's own directory, inside a parent only the daemon's user may
     * enter, and is first written the way the kubelet writes one (timestamped directory,
     * {@code ..data} link, a link per key); without, it is the user's
     * (a claim directory, a host ConfigMap/Secret/ServiceAccount directory) and only read and
     * written through by the guest. With {@code createIfMissing} (a claim: Kubernetes would
     * provision it empty) a missing {@code sharedDir} is created empty; otherwise it must exist.
     */
    record StartVirtiofsd(String forName, Path socket, Path log, Path sharedDir, Optional<KeyData> contents,
                          boolean createIfMissing) implements Artifact {
        public boolean ephemeral() { return true; }
    }

    /**
     * Add tap {@code tap} to the existing host bridge {@code bridge} before QEMU opens it, and
     * remove the tap when the VM ends (a tap of that name a dead run left is removed first).
     */
    record CreateTap(String forName, String tap, String bridge) implements Artifact {
        public boolean ephemeral() { return true; }
    }

    /** Connect to qemu-pr-helper at {@code socket}, which must be running. */
    record RequirePrHelper(String forName, Path socket) implements Artifact {
        public boolean ephemeral() { return false; }
    }

    /**
     * The VM's UEFI variable store: a copy of the firmware's {@code template} at {@code path} (and the
     * firmware's {@code code} must be there too). A
     * persistent one (under the state directory) is made only when missing and then kept across
     * starts, like the NVRAM of KubeVirt's persistent EFI; otherwise every start copies afresh into
     * the run directory and the copy goes with the run.
     */
    record CopyEfiVars(String forName, Path code, Path template, Path path, boolean persistent) implements Artifact {
        public boolean ephemeral() { return !persistent; }
    }
}
