package dev.qvmm.qmp;

import java.util.List;

/** What QEMU announced when the client connected. */
public record QmpGreeting(QemuVersion version, String packageName, List<String> capabilities) {

    public boolean offers(String capability) {
        return capabilities.contains(capability);
    }
}
