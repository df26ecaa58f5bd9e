package dev.qvmm.vmm.daemon;

import dev.qvmm.qmp.QmpClient;
import dev.qvmm.qmp.command.BlockDeviceInfo;
import dev.qvmm.qmp.command.BlockResize;
import dev.qvmm.qmp.command.QueryNamedBlockNodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * KubeVirt's ExpandDisks on a running VM: every raw claim image ({@code <claims>/<claim>/disk.img})
 * whose file grew on the host beyond what the guest sees is {@code block_resize}d to the file's
 * size. QEMU's own node list says which file each node has and how large the guest sees it, so
 * hotplugged and adopted disks are covered without a record of their own.
 */
final class ClaimExpansion {

    private ClaimExpansion() {
    }

    /** Resizes what grew; returns one line for each, for the VM's event stream. */
    static List<String> expand(QmpClient qmp, Path claimsRoot) {
        Path claims = claimsRoot.toAbsolutePath().normalize();
        List<String> grown = new ArrayList<>();
        for (BlockDeviceInfo n : QmpCalls.join(qmp.execute(new QueryNamedBlockNodes(true)))) {
            if (!"raw".equals(n.drv()) || n.file() == null || n.image() == null || !n.file().endsWith("/disk.img")) {
                continue;
            }
            Path file = Path.of(n.file()).toAbsolutePath().normalize();
            if (!file.startsWith(claims) || !Files.isRegularFile(file)) {
                continue;
            }
            try {
                long size = Files.size(file);
                if (size > n.image().virtualSize()) {
                    QmpCalls.join(qmp.execute(new BlockResize(null, n.nodeName(), size)));
                    grown.add(file + " grew from " + n.image().virtualSize() + " to " + size + " bytes");
                }
            } catch (IOException e) {
                // the file went away meanwhile: the next look decides
            }
        }
        return grown;
    }
}
