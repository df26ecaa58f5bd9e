package dev.qvmm.blockdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** One JSON rendering for argv and QMP, keys sorted; names and values QEMU would refuse are refused here. */
class RenderingTest {

    private static final NodeOptions RW = new NodeOptions(false, true, Discard.UNMAP, DetectZeroes.UNMAP);

    @Test
    void fileNodeRendersSortedAndQmpCarriesTheSameObject() {
        FileNode f = new FileNode(new NodeName("f-a"), Path.of("/img/a.raw"), RW, Aio.NATIVE, Locking.AUTO);
        String json = Json.compact(f.toJson());
        assertEquals("{\"aio\":\"native\",\"cache\":{\"direct\":true,\"no-flush\":false},\"detect-zeroes\":\"unmap\","
                + "\"discard\":\"unmap\",\"driver\":\"file\",\"filename\":\"/img/a.raw\",\"locking\":\"auto\","
                + "\"node-name\":\"f-a\",\"read-only\":false}", json);
        assertEquals(json, Json.compact(f.blockdevAdd().options()));
    }

    @Test
    void qcow2BackingForms() {
        NodeName o = new NodeName("o-a");
        NodeName f = new NodeName("of-a");
        assertEquals("d-a", new Qcow2Node(o, f, RW, new Qcow2Node.BackingNode(new NodeName("d-a"))).toJson().path("backing").asText());
        assertTrue(new Qcow2Node(o, f, RW, new Qcow2Node.NoBacking()).toJson().path("backing").isNull());
        assertTrue(new Qcow2Node(o, f, RW, new Qcow2Node.FromHeader()).toJson().path("backing").isMissingNode());
    }

    @Test
    void virtioBlkRendersEveryFrontendProperty() {
        Frontend fe = new Frontend(new NodeName("d-a"), Optional.of("SER-1"), OptionalInt.of(1), false, true, OnError.ENOSPC, OnError.REPORT);
        VirtioBlkPci d = new VirtioBlkPci("ua-a", PciAddress.onPort("pci.1"), fe, Optional.of("iothread1"), OptionalInt.of(4), true);
        assertEquals("{\"addr\":\"0x0.0\",\"bootindex\":1,\"bus\":\"pci.1\",\"discard\":true,\"drive\":\"d-a\","
                + "\"driver\":\"virtio-blk-pci\",\"id\":\"ua-a\",\"iothread\":\"iothread1\",\"num-queues\":4,"
                + "\"rerror\":\"report\",\"serial\":\"SER-1\",\"share-rw\":true,\"werror\":\"enospc\",\"write-cache\":\"off\"}",
                Json.compact(d.toJson()));
        assertEquals(Json.compact(d.toJson()), Json.compact(d.deviceAdd().properties()));
    }

    @Test
    void nodeNamesAreDeterministicShortAndDistinct() {
        String long1 = "a-very-long-disk-name-that-does-not-fit-1";
        String long2 = "a-very-long-disk-name-that-does-not-fit-2";
        NodeName a = NodeName.derive("of", long1);
        assertEquals(a, NodeName.derive("of", long1));
        assertNotEquals(a, NodeName.derive("of", long2));
        assertTrue(a.value().length() <= NodeName.MAX_LENGTH, a.value());
        assertEquals("f-root", NodeName.derive("f", "root").value());
        assertTrue(NodeName.derive("f", "vmi-shared_disk:x").value().matches("f-vmi-shared_disk_x-[0-9a-f]{8}"));
    }

    @Test
    void invalidValuesAreRefusedWithTheirKind() {
        assertSame(BlockdevException.Kind.INVALID_NAME, assertThrows(BlockdevException.class, () -> new NodeName("x".repeat(32))).kind());
        assertSame(BlockdevException.Kind.INVALID_NAME, assertThrows(BlockdevException.class, () -> new NodeName("1abc")).kind());
        assertSame(BlockdevException.Kind.INVALID_PROPERTY, assertThrows(BlockdevException.class,
                () -> new NodeOptions(false, true, Discard.IGNORE, DetectZeroes.UNMAP)).kind());
        assertSame(BlockdevException.Kind.INVALID_PROPERTY, assertThrows(BlockdevException.class,
                () -> new FileNode(new NodeName("f"), Path.of("/x"), new NodeOptions(false, false, Discard.UNMAP, DetectZeroes.OFF),
                        Aio.NATIVE, Locking.AUTO)).kind());
        assertSame(BlockdevException.Kind.INVALID_PROPERTY, assertThrows(BlockdevException.class,
                () -> new PciAddress("pcie.0", 32, 0, false)).kind());
        assertSame(BlockdevException.Kind.INVALID_PROPERTY, assertThrows(BlockdevException.class,
                () -> new Frontend(new NodeName("d"), Optional.of("bad serial"), OptionalInt.empty(), true, false, OnError.STOP, OnError.STOP)).kind());
        BlockdevException e = assertThrows(BlockdevException.class, () -> new VirtioBlkPci("ua-a", PciAddress.onPort("p"),
                new Frontend(new NodeName("d"), Optional.empty(), OptionalInt.empty(), true, false, OnError.STOP, OnError.STOP),
                Optional.empty(), OptionalInt.of(2000), true));
        assertTrue(e.getMessage().contains("2000") && e.getMessage().contains("1024"), e.getMessage());
    }
}
