package dev.qvmm.vmm.cli;

import picocli.CommandLine;

/**
 * The version from the jar manifest (set by the build), or "development" when run from classes.
 * Exactly one line {@code qvmm VERSION}: help2man reads it for the man page's header.
 */
final class QvmmVersion implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String v = QvmmVersion.class.getPackage().getImplementationVersion();
        return new String[] {"qvmm " + (v != null ? v : "development")};
    }
}
