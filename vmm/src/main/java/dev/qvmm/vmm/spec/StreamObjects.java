package dev.qvmm.vmm.spec;

import java.util.Map;
import java.util.Set;

/**
 * The non-VM objects of the input stream, checked but not resolved on the host (a later step does
 * that): names of ConfigMaps, Secrets, ServiceAccounts and StorageClasses, and claims by name.
 */
public record StreamObjects(Set<String> configMaps, Set<String> secrets, Set<String> serviceAccounts,
                            Set<String> storageClasses, Map<String, ClaimInfo> claims) {

    public StreamObjects {
        configMaps = Set.copyOf(configMaps);
        secrets = Set.copyOf(secrets);
        serviceAccounts = Set.copyOf(serviceAccounts);
        storageClasses = Set.copyOf(storageClasses);
        claims = Map.copyOf(claims);
    }
}
