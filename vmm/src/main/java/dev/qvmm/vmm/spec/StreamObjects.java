package dev.qvmm.vmm.spec;

import java.util.Map;
import java.util.Set;

/**
 * The non-VM objects of the input stream, checked but not resolved on the host (a later step does
 * that): ConfigMaps and Secrets with their decoded data, names of ServiceAccounts and
 * StorageClasses, and claims by name.
 */
public record StreamObjects(Map<String, KeyData> configMaps, Map<String, KeyData> secrets, Set<String> serviceAccounts,
                            Set<String> storageClasses, Map<String, ClaimInfo> claims) {

    public StreamObjects {
        configMaps = Map.copyOf(configMaps);
        secrets = Map.copyOf(secrets);
        serviceAccounts = Set.copyOf(serviceAccounts);
        storageClasses = Set.copyOf(storageClasses);
        claims = Map.copyOf(claims);
    }
}
