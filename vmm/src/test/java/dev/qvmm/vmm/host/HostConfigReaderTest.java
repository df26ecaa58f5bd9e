package dev.qvmm.vmm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostConfigReaderTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws Exception {
        return Files.writeString(dir.resolve("host.yaml"), yaml);
    }

    @Test
    void defaultsPutEveryRootUnderTheStateDirectoryAndAllowOnlyIt() {
        HostConfig c = HostConfig.defaults(Path.of("/var/lib/qvmm"));
        assertEquals(Path.of("/var/lib/qvmm/claims"), c.claims());
        assertEquals(Path.of("/var/lib/qvmm/configmaps"), c.configMaps());
        assertEquals(Path.of("/var/lib/qvmm/secrets"), c.secrets());
        assertEquals(Path.of("/var/lib/qvmm/serviceaccounts"), c.serviceAccounts());
        assertEquals(Path.of("/var/lib/qvmm/images"), c.images());
        assertEquals(10, c.pvcTolerateLessSpaceUpToPercent());
        assertEquals(false, c.expandDisks());
        assertEquals(Optional.empty(), c.accelerator());
        assertEquals(List.of(Path.of("/var/lib/qvmm")), c.allowedPaths());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        HostConfig c = HostConfigReader.read(file("""
                claims: /srv/claims
                configMaps: /srv/cm
                secrets: /srv/sec
                serviceAccounts: /srv/sa
                images: /srv/img
                pvcTolerateLessSpaceUpToPercent: 25
                expandDisks: true
                persistentReservation: true
                prHelperSocket: /run/pr.sock
                ioUring: true
                spareRootPorts: 5
                accelerator: tcg
                allowedPaths: [/srv, /data/../data/vm]
                blockClaims: {data: /dev/loop7}
                bridges: {lan: br0}
                """), dir);
        assertEquals(new HostConfig(Path.of("/srv/claims"), Path.of("/srv/cm"), Path.of("/srv/sec"), Path.of("/srv/sa"),
                Path.of("/srv/img"), 25, true, true, Path.of("/run/pr.sock"), true, 5, Optional.of(Accelerator.TCG),
                List.of(Path.of("/srv"), Path.of("/data/vm")), Optional.empty(), Optional.empty(),
                Map.of("data", Path.of("/dev/loop7")), Map.of("lan", "br0")), c);
    }

    @Test
    void aBridgeMustBeALinuxInterfaceName() {
        VmmException e = assertThrows(VmmException.class, () -> HostConfigReader.read(file("bridges: {lan: ../br0}\n"), dir));
        assertTrue(e.getMessage().contains("bridges.lan"), e.getMessage());
    }

    @Test
    void virtiofsdSettingsAreReadAndAUserMustBeUidColonGid() throws Exception {
        HostConfig c = HostConfigReader.read(file("virtiofsd: /opt/virtiofsd\nvirtiofsdUser: \"1000:100\"\n"), dir);
        assertEquals(Optional.of(Path.of("/opt/virtiofsd")), c.virtiofsd());
        assertEquals(Optional.of(new dev.qvmm.virtiofsd.ShareOptions.RunAs(1000, 100)), c.virtiofsdUser());
        assertEquals(Optional.empty(), HostConfig.defaults(dir).virtiofsdUser());
        Path bad = file("virtiofsdUser: qemu\n");
        VmmException e = assertThrows(VmmException.class, () -> HostConfigReader.read(bad, dir));
        assertTrue(e.getMessage().contains("\"virtiofsdUser\"") && e.getMessage().contains("qemu"), e.getMessage());
    }

    @Test
    void keysLeftOutKeepTheirDefaultsAndAnEmptyFileIsAllDefaults() throws Exception {
        HostConfig c = HostConfigReader.read(file("claims: /srv/claims\n"), dir);
        assertEquals(Path.of("/srv/claims"), c.claims());
        assertEquals(dir.resolve("images"), c.images());
        assertEquals(HostConfig.defaults(dir), HostConfigReader.read(file(""), dir));
    }

    @Test
    void anUnknownKeyIsAnErrorNamingTheFileTheKeyAndTheValue() throws Exception {
        Path f = file("claims: /srv/claims\nexpandDisk: true\n");
        VmmException e = assertThrows(VmmException.class, () -> HostConfigReader.read(f, dir));
        assertEquals(VmmException.Kind.HOST_CONFIG_INVALID, e.kind());
        assertEquals(f.toString(), e.subject());
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("\"expandDisk\"")
                && e.getMessage().contains("true"), e.getMessage());
    }

    @Test
    void everyBadValueIsReportedAtOnce() throws Exception {
        Path f = file("""
                claims: relative/claims
                pvcTolerateLessSpaceUpToPercent: 150
                expandDisks: "yes"
                spareRootPorts: -1
                accelerator: xen
                allowedPaths: /srv
                blockClaims: {Data_1: /dev/sdb, logs: dev/sdc}
                """);
        VmmException e = assertThrows(VmmException.class, () -> HostConfigReader.read(f, dir));
        assertEquals(VmmException.Kind.HOST_CONFIG_INVALID, e.kind());
        String m = e.getMessage();
        assertTrue(m.contains("8 problems"), m);
        for (String s : List.of("\"claims\": value \"relative/claims\"", "\"pvcTolerateLessSpaceUpToPercent\": value 150",
                "\"expandDisks\": value \"yes\"", "\"spareRootPorts\": value -1", "\"accelerator\": value \"xen\"",
                "\"allowedPaths\": value \"/srv\"", "claim name \"Data_1\"", "\"blockClaims.logs\": value \"dev/sdc\"")) {
            assertTrue(m.contains(s), s + " in\n" + m);
        }
    }

    @Test
    void notAMappingOrNotYamlIsAnErrorNamingTheFile() throws Exception {
        Path list = file("- a\n- b\n");
        VmmException e = assertThrows(VmmException.class, () -> HostConfigReader.read(list, dir));
        assertEquals(VmmException.Kind.HOST_CONFIG_INVALID, e.kind());
        Path broken = file("claims: [oops\n");
        e = assertThrows(VmmException.class, () -> HostConfigReader.read(broken, dir));
        assertEquals(VmmException.Kind.HOST_CONFIG_INVALID, e.kind());
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
        Path missing = dir.resolve("absent.yaml");
        e = assertThrows(VmmException.class, () -> HostConfigReader.read(missing, dir));
        assertEquals(VmmException.Kind.HOST_CONFIG_INVALID, e.kind());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
