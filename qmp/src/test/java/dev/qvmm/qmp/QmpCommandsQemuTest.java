package dev.qvmm.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.command.BlockDeviceInfo;
import dev.qvmm.qmp.command.BlockInfo;
import dev.qvmm.qmp.command.BlockResize;
import dev.qvmm.qmp.command.BlockdevAdd;
import dev.qvmm.qmp.command.BlockdevChangeMedium;
import dev.qvmm.qmp.command.BlockdevCloseTray;
import dev.qvmm.qmp.command.BlockdevDel;
import dev.qvmm.qmp.command.BlockdevInsertMedium;
import dev.qvmm.qmp.command.BlockdevOpenTray;
import dev.qvmm.qmp.command.BlockdevRemoveMedium;
import dev.qvmm.qmp.command.DeviceAdd;
import dev.qvmm.qmp.command.IOThreadInfo;
import dev.qvmm.qmp.command.ObjectAdd;
import dev.qvmm.qmp.command.ObjectDel;
import dev.qvmm.qmp.command.ObjectPropertyInfo;
import dev.qvmm.qmp.command.QomGet;
import dev.qvmm.qmp.command.QomList;
import dev.qvmm.qmp.command.QueryBlock;
import dev.qvmm.qmp.command.QueryIothreads;
import dev.qvmm.qmp.command.QueryNamedBlockNodes;
import dev.qvmm.qmp.command.SystemPowerdown;
import dev.qvmm.qmp.command.Quit;
import dev.qvmm.qmp.wire.QmpJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The typed command and reply records against a real q35 machine (never started: {@code -S}),
 * so every {@code @JsonProperty} name is checked by QEMU itself rather than by a fixture.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QmpCommandsQemuTest {

    private TestQemu qemu;
    private QmpClient qmp;

    @BeforeEach
    void start() throws Exception {
        qemu = TestQemu.startMachine("-machine", "q35", "-accel", "tcg", "-m", "64",
                "-device", "ide-cd,bus=ide.1,id=cd0", "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1");
        qmp = QmpClient.connect(qemu.socket);
    }

    @AfterEach
    void stop() throws Exception {
        // QEMU goes even when the connect failed (qmp null): no QEMU outlives a failed test.
        try {
            if (qmp != null) {
                qmp.close();
            }
        } finally {
            qemu.close();
        }
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) QmpJson.mapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private Path image(String name, long size) throws Exception {
        Path p = qemu.dir.resolve(name);
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    @Test
    void blockNodesDevicesAndResize() throws Exception {
        Path disk = image("disk.raw", 8 << 20);
        qmp.execute(new BlockdevAdd(json("{\"driver\":\"file\",\"node-name\":\"f-data\",\"filename\":\"" + disk + "\",\"cache\":{\"direct\":false}}"))).join();
        qmp.execute(new BlockdevAdd(json("{\"driver\":\"raw\",\"node-name\":\"d-data\",\"file\":\"f-data\",\"detect-zeroes\":\"unmap\",\"discard\":\"unmap\"}"))).join();
        qmp.execute(new ObjectAdd(json("{\"qom-type\":\"iothread\",\"id\":\"iothread0\"}"))).join();
        qmp.execute(new DeviceAdd(json("{\"driver\":\"virtio-blk-pci\",\"id\":\"data\",\"drive\":\"d-data\",\"serial\":\"DATA-1\",\"iothread\":\"iothread0\",\"num-queues\":2,\"bus\":\"rp1\"}"))).join();

        BlockDeviceInfo format = qmp.execute(new QueryNamedBlockNodes(true)).join().stream()
                .filter(n -> "d-data".equals(n.nodeName())).findFirst().orElseThrow();
        assertEquals("raw", format.drv());
        assertEquals("unmap", format.detectZeroes());
        assertFalse(format.ro());
        assertEquals(8 << 20, format.image().virtualSize());

        BlockInfo backend = qmp.execute(new QueryBlock()).join().stream()
                .filter(b -> b.qdev() != null && b.qdev().contains("data")).findFirst().orElseThrow();
        assertEquals("d-data", backend.inserted().nodeName());
        assertFalse(backend.removable());

        assertEquals("DATA-1", qmp.execute(new QomGet("/machine/peripheral/data", "serial")).join().asText());
        assertEquals(2, qmp.execute(new QomGet("/machine/peripheral/data", "num-queues")).join().asInt());
        List<ObjectPropertyInfo> props = qmp.execute(new QomList("/machine/peripheral/data")).join();
        assertTrue(props.stream().anyMatch(p -> "iothread".equals(p.name()) && p.type().startsWith("link<iothread>")), props::toString);

        List<IOThreadInfo> iothreads = qmp.execute(new QueryIothreads()).join();
        assertEquals("iothread0", iothreads.getFirst().id());
        assertTrue(iothreads.getFirst().threadId() > 0);

        qmp.execute(new BlockResize(null, "d-data", 16 << 20)).join();
        assertEquals(16 << 20, Files.size(disk), "block_resize grows the file itself");
    }

    @Test
    void unusedNodesAndObjectsAreDeleted() throws Exception {
        Path disk = image("spare.raw", 1 << 20);
        qmp.execute(new BlockdevAdd(json("{\"driver\":\"file\",\"node-name\":\"f-spare\",\"filename\":\"" + disk + "\"}"))).join();
        qmp.execute(new BlockdevDel("f-spare")).join();
        assertTrue(qmp.execute(new QueryNamedBlockNodes(true)).join().stream().noneMatch(n -> "f-spare".equals(n.nodeName())));
        qmp.execute(new ObjectAdd(json("{\"qom-type\":\"iothread\",\"id\":\"gone\"}"))).join();
        qmp.execute(new ObjectDel("gone")).join();
        assertTrue(qmp.execute(new QueryIothreads()).join().isEmpty());
    }

    @Test
    void cdromMediaChangesAndTrayEvents() throws Exception {
        Path iso1 = image("one.iso", 1 << 20);
        Path iso2 = image("two.iso", 2 << 20);
        CompletableFuture<QmpEvent> closed = qmp.awaitEvent("DEVICE_TRAY_MOVED",
                e -> !e.data().path("tray-open").asBoolean(), Duration.ofSeconds(10));
        qmp.execute(new BlockdevChangeMedium("cd0", iso1.toString(), "raw", "read-only", null)).join();
        closed.join();
        assertEquals(iso1.toString(), cd0().inserted().file());
        assertEquals(Boolean.FALSE, cd0().trayOpen());

        qmp.execute(new BlockdevOpenTray("cd0", true)).join();
        qmp.execute(new BlockdevRemoveMedium("cd0")).join();
        assertNull(cd0().inserted());
        assertEquals(Boolean.TRUE, cd0().trayOpen());

        qmp.execute(new BlockdevAdd(json("{\"driver\":\"raw\",\"node-name\":\"cd-two\",\"read-only\":true,"
                + "\"file\":{\"driver\":\"file\",\"filename\":\"" + iso2 + "\",\"read-only\":true}}"))).join();
        qmp.execute(new BlockdevInsertMedium("cd0", "cd-two")).join();
        qmp.execute(new BlockdevCloseTray("cd0")).join();
        BlockInfo after = cd0();
        assertEquals("cd-two", after.inserted().nodeName());
        assertTrue(after.inserted().ro());
        assertEquals(2 << 20, after.inserted().image().virtualSize());
    }

    @Test
    void powerdownAndQuitEndTheProcess() throws Exception {
        qmp.execute(new SystemPowerdown()).join(); // accepted even before the guest runs
        CompletableFuture<QmpException> gone = qmp.closeFuture();
        qmp.execute(new Quit()).handle((v, t) -> null).join();
        assertEquals(QmpException.Kind.DISCONNECTED, gone.get(10, TimeUnit.SECONDS).kind());
        assertTrue(qemu.process.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, qemu.process.exitValue());
    }

    private BlockInfo cd0() {
        return qmp.execute(new QueryBlock()).join().stream()
                .filter(b -> b.qdev() != null && b.qdev().endsWith("cd0")).findFirst().orElseThrow();
    }
}
