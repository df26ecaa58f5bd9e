package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.qvmm.blockdev.QemuImg;
import dev.qvmm.vmm.Rollback;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.KeyData;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DataVolume's {@code source.http.secretRef} and {@code certConfigMap} with CDI's semantics,
 * against real servers on loopback: an http server that asks for basic auth, and an https server
 * whose certificate a private CA (made with openssl) signed.
 */
class DataVolumeHttpAccessTest {

    private static final long MIB = 1L << 20;

    @TempDir
    static Path shared;

    static HttpServer http;
    static HttpsServer https;
    static Path image;
    static byte[] caPem;
    static final AtomicInteger redirects = new AtomicInteger();

    @TempDir
    Path dir;

    @BeforeAll
    static void servers() throws Exception {
        image = shared.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(4 * MIB);
            f.write("HTTPDISK".getBytes(StandardCharsets.US_ASCII));
        }
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        HttpContext ctx = http.createContext("/private/disk.raw", ex -> serve(ex, image));
        ctx.setAuthenticator(new BasicAuthenticator("qvmm") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return user.equals("importer") && password.equals("s3cr:et");
            }
        });
        HttpContext moved = http.createContext("/private/moved", ex -> {
            redirects.incrementAndGet();
            ex.getResponseHeaders().add("Location", "/private/disk.raw");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        moved.setAuthenticator(ctx.getAuthenticator());
        http.start();

        Path pki = Files.createDirectories(shared.resolve("pki"));
        openssl(pki, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=qvmm test CA");
        openssl(pki, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1");
        Files.writeString(pki.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(pki, "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem",
                "-days", "2", "-extfile", "san.ext");
        openssl(pki, "pkcs12", "-export", "-in", "srv.pem", "-inkey", "srv.key", "-out", "srv.p12", "-passout", "pass:changeit");
        caPem = Files.readAllBytes(pki.resolve("ca.pem"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.resolve("srv.p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        https.createContext("/disk.raw", ex -> serve(ex, image));
        https.start();
    }

    private static void serve(com.sun.net.httpserver.HttpExchange ex, Path file) throws java.io.IOException {
        ex.sendResponseHeaders(200, Files.size(file));
        try (OutputStream o = ex.getResponseBody()) {
            Files.copy(file, o);
        }
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("openssl"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl hung");
        assertEquals(0, p.exitValue(), () -> String.join(" ", argv) + ": " + out);
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.stop(0);
        }
        if (https != null) {
            https.stop(0);
        }
    }

    private static IsoContent.KeyObject secret(String user, String password) {
        return new IsoContent.InStream("Secret", "creds", new KeyData(Map.of(HttpAccess.ACCESS_KEY,
                user.getBytes(StandardCharsets.UTF_8), HttpAccess.SECRET_KEY, password.getBytes(StandardCharsets.UTF_8))));
    }

    private static IsoContent.KeyObject cas(byte[] pem) {
        return new IsoContent.InStream("ConfigMap", "cas", new KeyData(Map.of("ca.crt", pem)));
    }

    private Artifact.ImportDataVolume artifact(ImportSource source) {
        return new Artifact.ImportDataVolume("root", "root-dv", source, dir.resolve("claims/root-dv/disk.img"),
                OptionalLong.of(8 * MIB), false);
    }

    private ImportSource.Http privateSource(String path, Optional<IsoContent.KeyObject> secret) {
        return new ImportSource.Http(URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path), Optional.empty(),
                secret, Optional.empty());
    }

    private ImportSource.Http tlsSource(Optional<IsoContent.KeyObject> cas) {
        return new ImportSource.Http(URI.create("https://127.0.0.1:" + https.getAddress().getPort() + "/disk.raw"),
                Optional.empty(), Optional.empty(), cas);
    }

    private DataVolumeImporter.Outcome run(Artifact.ImportDataVolume a) throws Exception {
        try (Rollback r = new Rollback()) {
            DataVolumeImporter.Outcome o = new DataVolumeImporter(QemuImg.onPath(), () -> { throw new AssertionError(); },
                    ImportProgress.NONE, Duration.ofSeconds(10), Duration.ofSeconds(60)).importInto(a, r);
            r.commit();
            return o;
        }
    }

    private void assertImported(Artifact.ImportDataVolume a) throws Exception {
        assertTrue(run(a).imported());
        byte[] head = new byte[8];
        try (InputStream in = Files.newInputStream(a.path())) {
            assertEquals(8, in.readNBytes(head, 0, 8));
        }
        assertEquals("HTTPDISK", new String(head, StandardCharsets.US_ASCII));
        assertEquals(8 * MIB, Files.size(a.path()));
        String marker = Files.readString(a.path().resolveSibling(DataVolumeImporter.MARKER));
        assertFalse(marker.contains("s3cr"), "the marker never holds the password: " + marker);
    }

    @Test
    void theSecretsKeysAreSentAsBasicAuth() throws Exception {
        assertImported(artifact(privateSource("/private/disk.raw", Optional.of(secret("importer", "s3cr:et")))));
    }

    @Test
    void aSecretKeptAsAHostDirectoryWorksToo() throws Exception {
        Path d = Files.createDirectories(dir.resolve("secrets/creds"));
        Files.writeString(d.resolve("accessKeyId"), "importer");
        Files.writeString(d.resolve("secretKey"), "s3cr:et");
        assertImported(artifact(privateSource("/private/disk.raw", Optional.of(new IsoContent.HostDirectory("Secret", "creds", d)))));
    }

    @Test
    void withoutOrWithWrongCredentialsTheErrorSaysWhatToFix() {
        VmmException none = assertThrows(VmmException.class, () -> run(artifact(privateSource("/private/disk.raw", Optional.empty()))));
        assertEquals(VmmException.Kind.IMPORT_UNREACHABLE, none.kind());
        assertTrue(none.getMessage().contains("401") && none.getMessage().contains("add source.http.secretRef"), none.getMessage());
        VmmException wrong = assertThrows(VmmException.class, () -> run(artifact(privateSource("/private/disk.raw",
                Optional.of(secret("importer", "nope"))))));
        assertTrue(wrong.getMessage().contains("refused the credentials") && wrong.getMessage().contains("DataVolume \"root-dv\""),
                wrong.getMessage());
        assertFalse(Files.exists(dir.resolve("claims")), "nothing left behind");
    }

    @Test
    void aSecretWithoutTheKeysIsAnErrorNamingThem() {
        IsoContent.KeyObject s = new IsoContent.InStream("Secret", "creds", new KeyData(Map.of("username", new byte[] {'a'})));
        VmmException e = assertThrows(VmmException.class, () -> run(artifact(privateSource("/private/disk.raw", Optional.of(s)))));
        assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("Secret \"creds\"") && e.getMessage().contains("accessKeyId")
                && e.getMessage().contains("secretKey"), e.getMessage());
    }

    @Test
    void credentialsAreNeverCarriedThroughARedirect() {
        int before = redirects.get();
        VmmException e = assertThrows(VmmException.class, () -> run(artifact(privateSource("/private/moved",
                Optional.of(secret("importer", "s3cr:et"))))));
        assertEquals(before + 1, redirects.get());
        assertTrue(e.getMessage().contains("302") && e.getMessage().contains("/private/disk.raw"), e.getMessage());
    }

    @Test
    void anHttpsServerOfAPrivateCaIsTrustedOnlyWithItsCertConfigMap() throws Exception {
        VmmException e = assertThrows(VmmException.class, () -> run(artifact(tlsSource(Optional.empty()))));
        assertEquals(VmmException.Kind.IMPORT_UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("certConfigMap"), e.getMessage());
        assertImported(artifact(tlsSource(Optional.of(cas(caPem)))));
    }

    @Test
    void aConfigMapWithoutCertificatesIsAnErrorNamingItsKey() {
        VmmException e = assertThrows(VmmException.class, () -> run(artifact(tlsSource(Optional.of(cas(
                "not a certificate".getBytes(StandardCharsets.US_ASCII)))))));
        assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("ConfigMap \"cas\"") && e.getMessage().contains("ca.crt"), e.getMessage());
    }

    @Test
    void aRegistrySourcesSecretAndCasAreRefusedAndAContainerDisksPullSecretIsAWarning() {
        String dv = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: dv}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - {name: a, dataVolume: {name: dv}}
                ---
                apiVersion: cdi.kubevirt.io/v1beta1
                kind: DataVolume
                metadata: {name: dv}
                spec:
                  pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 8Mi}}}
                  source: {registry: {url: "docker://registry.example/disk:1", secretRef: creds, certConfigMap: cas}}
                """;
        VmmException e = assertThrows(VmmException.class, () -> SpecReader.read(dv, "t.yaml", SpecContext.defaults()));
        assertTrue(e.problems().stream().anyMatch(p -> p.path().endsWith("source.registry.secretRef") && p.message().contains("skopeo login")),
                e.problems()::toString);
        assertTrue(e.problems().stream().anyMatch(p -> p.path().endsWith("source.registry.certConfigMap")), e.problems()::toString);
        var read = SpecReader.read("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: cd}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - {name: a, containerDisk: {image: registry.example/disk:1, imagePullSecret: pull}}
                """, "t.yaml", SpecContext.defaults());
        assertTrue(read.warnings().stream().anyMatch(w -> w.path().endsWith("containerDisk.imagePullSecret")), read.warnings()::toString);
    }

    @Test
    void theSpecCarriesTheReferencesAndRefusesThemWhereTheyCannotApply() {
        String vm = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: dv}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: a, disk: {bus: virtio}}
                  volumes:
                  - {name: a, dataVolume: {name: dv}}
                ---
                apiVersion: cdi.kubevirt.io/v1beta1
                kind: DataVolume
                metadata: {name: dv}
                spec:
                  pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 8Mi}}}
                  source: {http: {url: "%s", secretRef: creds, certConfigMap: cas}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds}
                stringData: {accessKeyId: importer, secretKey: pw}
                """;
        StoragePlan plan = StoragePlanner.plan(SpecReader.read(vm.formatted("https://example.org/disk.img"), "t.yaml",
                SpecContext.defaults()).spec(), HostFacts.example(), QemuCapabilities.qemu72());
        ImportSource.Http h = (ImportSource.Http) plan.artifacts().stream().filter(a -> a instanceof Artifact.ImportDataVolume)
                .map(a -> ((Artifact.ImportDataVolume) a).source()).findFirst().orElseThrow();
        assertTrue(h.secret().orElseThrow() instanceof IsoContent.InStream s && s.name().equals("creds"), h.toString());
        assertEquals(new IsoContent.HostDirectory("ConfigMap", "cas", Path.of("/var/lib/qvmm/configmaps/cas")),
                h.caCertificates().orElseThrow());
        assertFalse(h.describe().contains("pw"), h.describe());

        VmmException plainHttp = assertThrows(VmmException.class, () -> SpecReader.read(vm.formatted("http://example.org/d.img"),
                "t.yaml", SpecContext.defaults()));
        assertTrue(plainHttp.problems().stream().anyMatch(p -> p.path().endsWith("source.http.certConfigMap")), plainHttp.problems()::toString);
        VmmException file = assertThrows(VmmException.class, () -> SpecReader.read(vm.formatted("file:///srv/d.img"),
                "t.yaml", SpecContext.defaults()));
        assertTrue(file.problems().stream().anyMatch(p -> p.path().endsWith("source.http.secretRef")), file.problems()::toString);
    }
}
