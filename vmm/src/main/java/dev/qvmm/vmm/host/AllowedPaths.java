package dev.qvmm.vmm.host;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.ClaimInfo;
import dev.qvmm.vmm.spec.DataVolumeSpec;
import dev.qvmm.vmm.spec.DiskSpec;
import dev.qvmm.vmm.spec.VmSpec;
import dev.qvmm.vmm.spec.VolumeSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The host directories a spec may reach: a hostDisk path, a kernelBoot image that is a host
 * directory, a containerDisk image that is a host directory, a DataVolume's {@code file://}
 * source and a Block claim's PersistentVolume device must each lie under one of
 * {@link #roots()}. Both sides are compared as real paths, {@code ..} and symbolic links resolved
 * (for a path still to be created, its nearest existing ancestor is resolved and the rest appended),
 * so neither a {@code ../..} nor a link planted inside a root leads out of it. Reads the file
 * system; creates nothing.
 */
public record AllowedPaths(List<Path> roots) {

    public AllowedPaths {
        roots = List.copyOf(roots);
        roots.forEach(r -> Objects.requireNonNull(r, "root"));
    }

    /** Throws {@link VmmException.Kind#PATH_NOT_ALLOWED} naming every field whose path lies outside the roots. */
    public void check(VmSpec spec) {
        check(spec, Set.of());
    }

    /**
     * As {@link #check(VmSpec)}, and a Block claim's device from a PersistentVolume of the stream
     * ({@code local.path} / {@code hostPath.path}) must lie under the roots too, unless the operator
     * bound that claim in the host config ({@code hostBoundClaims}), whose device the planner takes instead.
     */
    public void check(VmSpec spec, Set<String> hostBoundClaims) {
        List<String> outside = new ArrayList<>();
        List<Path> real = roots.stream().map(AllowedPaths::real).toList();
        for (DiskSpec d : spec.disks()) {
            switch (d.volume().source()) {
                case VolumeSource.HostDisk h -> check("volume \"" + d.volume().name() + "\" hostDisk.path", h.path(), real, outside);
                case VolumeSource.ContainerDisk c when c.image().startsWith("/") ->
                        check("volume \"" + d.volume().name() + "\" containerDisk.image", c.image(), real, outside);
                default -> { }
            }
            Optional<ClaimInfo> claim = switch (d.volume().source()) {
                case VolumeSource.PersistentVolumeClaim c -> Optional.of(c.claim());
                case VolumeSource.Ephemeral e -> Optional.of(e.claim());
                case VolumeSource.DataVolume v -> Optional.of(v.claim());
                default -> Optional.empty();
            };
            claim.filter(c -> c.mode() == ClaimInfo.VolumeMode.BLOCK && !hostBoundClaims.contains(c.claimName()))
                    .ifPresent(c -> c.devicePath().ifPresent(dev -> check("volume \"" + d.volume().name() + "\" claim \""
                            + c.claimName() + "\" PersistentVolume device", dev, real, outside)));
        }
        for (DataVolumeSpec dv : spec.dataVolumes().values()) {
            if (dv.source() instanceof DataVolumeSpec.Http h && h.url() != null && h.url().regionMatches(true, 0, "file:", 0, 5)) {
                try {
                    check("DataVolume \"" + dv.name() + "\" source.http.url", Path.of(URI.create(h.url())).toString(), real, outside);
                } catch (IllegalArgumentException malformed) {
                    // The spec reader rejects a malformed file URL with its field path; nothing here to confine.
                }
            }
        }
        spec.kernelBoot().filter(k -> k.imageIsHostDirectory())
                .ifPresent(k -> check("spec.domain.firmware.kernelBoot.container.image", k.image(), real, outside));
        if (!outside.isEmpty()) {
            String list = roots.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse("(none)");
            throw new VmmException(VmmException.Kind.PATH_NOT_ALLOWED, spec.name(), String.join("\n", outside)
                    + "\nallowed roots: " + list + "; move the file under one of them, or add its directory to allowedPaths "
                    + "in the host config (or --allow-path)");
        }
    }

    private static void check(String field, String path, List<Path> roots, List<String> outside) {
        Path p = Path.of(path);
        Path resolved = real(p);
        if (roots.stream().noneMatch(resolved::startsWith)) {
            outside.add(field + ": " + path + (resolved.equals(p) ? "" : " (resolves to " + resolved + ")")
                    + " is outside the allowed roots");
        }
    }

    /**
     * The real path of {@code p}: its nearest existing ancestor resolved by the kernel's rules
     * ({@code realpath}, so {@code link/..} is the link target's parent), plus the rest, normalised.
     * A dangling link is followed by hand (at most 40 hops, as the kernel does), since a file created
     * through it would land at its target.
     */
    static Path real(Path p) {
        return real(p.toAbsolutePath(), 40);
    }

    private static Path real(Path abs, int hops) {
        Path existing = abs;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs.normalize();
        }
        Path rest = existing.relativize(abs);
        try {
            return existing.toRealPath().resolve(rest).normalize();
        } catch (IOException e) {
            if (hops > 0 && Files.isSymbolicLink(existing)) {
                try {
                    Path target = existing.resolveSibling(Files.readSymbolicLink(existing));
                    return real(target.resolve(rest), hops - 1);
                } catch (IOException unreadable) {
                    return abs.normalize();
                }
            }
            return abs.normalize();
        }
    }
}
