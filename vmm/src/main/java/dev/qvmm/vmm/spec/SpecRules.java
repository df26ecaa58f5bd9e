package dev.qvmm.vmm.spec;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admission rules that span several disks, filesystems and volumes: unique names, each volume
 * used once, unique boot orders, unused volumes (a warning), blockMultiQueue with an explicit CPU
 * count. Per-field rules are checked where each field is converted.
 */
final class SpecRules {

    private SpecRules() {
    }

    record Ref(String name, String path, String volume) {
    }

    static void validate(Problems problems, List<Ref> refs, List<DiskSpec> disks, Set<String> volumeNames,
                         String volumesPath, boolean blockMultiQueue, boolean explicitCpu, String devicesPath) {
        Map<String, String> names = new HashMap<>();
        Map<String, String> volumeUsers = new HashMap<>();
        for (Ref r : refs) {
            String earlier = names.putIfAbsent(r.name(), r.path());
            if (earlier != null) {
                problems.error(r.path() + ".name", SpecProblem.Rule.DUPLICATE_NAME, "name \"" + r.name()
                        + "\" is already used by " + earlier + "; disk and filesystem names must be unique");
            }
            if (r.volume() != null && volumeNames.contains(r.volume())) {
                String user = volumeUsers.putIfAbsent(r.volume(), r.path());
                if (user != null && earlier == null) {
                    problems.error(r.path(), SpecProblem.Rule.VOLUME_USED_TWICE, "volume \"" + r.volume()
                            + "\" is already used by " + user + "; a volume can back one disk or filesystem only");
                }
            }
        }
        Map<Integer, String> boots = new HashMap<>();
        for (DiskSpec d : disks) {
            if (d.bootOrder().isPresent()) {
                String other = boots.putIfAbsent(d.bootOrder().getAsInt(), d.path());
                if (other != null) {
                    problems.error(d.path() + ".bootOrder", SpecProblem.Rule.DUPLICATE_BOOT_ORDER, "bootOrder "
                            + d.bootOrder().getAsInt() + " is already used by " + other + "; boot orders must be unique");
                }
            }
        }
        Set<String> unused = new HashSet<>(volumeNames);
        unused.removeAll(volumeUsers.keySet());
        volumeNames.stream().filter(unused::contains).forEach(v -> problems.warn(volumesPath,
                "volume \"" + v + "\" is not used by any disk or filesystem"));
        if (blockMultiQueue && !explicitCpu) {
            problems.error(devicesPath + ".blockMultiQueue", SpecProblem.Rule.MULTIQUEUE_WITHOUT_CPU,
                    "blockMultiQueue needs an explicit CPU count (spec.domain.cpu or resources.requests.cpu) "
                            + "to size the queues; set one or drop blockMultiQueue");
        }
    }
}
