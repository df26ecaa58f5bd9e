package dev.qvmm.vmm.spec.dto;

import java.util.Map;

/** Kubernetes {@code metadata}: only what qvmm reads; anything else is reported as unknown. */
public record Meta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations,
                   Object creationTimestamp) {
}
