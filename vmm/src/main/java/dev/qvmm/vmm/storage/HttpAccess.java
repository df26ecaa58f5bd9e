package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.KeyData;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * What an http(s) DataVolume source needs besides its URL, with CDI's semantics: the Secret of
 * {@code secretRef} gives {@code accessKeyId} and {@code secretKey}, sent as HTTP basic auth (on
 * the first request, as CDI's importer does); the ConfigMap of {@code certConfigMap} gives PEM CA
 * certificates (every key, each may hold several), trusted besides the host's own CAs.
 *
 * <p>Hazard: with credentials, redirects are not followed, so that they never reach another server
 * (the JDK's client would repeat the header to wherever a redirect points).
 */
record HttpAccess(Optional<String> authorization, Optional<SSLContext> tls) {

    static final String ACCESS_KEY = "accessKeyId";
    static final String SECRET_KEY = "secretKey";
    static final long MAX_KEY_BYTES = 1L << 20;

    /** Reads the Secret and the ConfigMap (from the stream or their host directories); errors name the DataVolume, the object and the key. */
    static HttpAccess of(Artifact.ImportDataVolume a, ImportSource.Http h) {
        Optional<String> auth = h.secret().map(s -> basic(a, s.name(), read(a, s)));
        Optional<SSLContext> tls = h.caCertificates().map(c -> tls(a, c.name(), read(a, c)));
        return new HttpAccess(auth, tls);
    }

    /** A client with this access's trust and redirect policy. */
    HttpClient.Builder client() {
        HttpClient.Builder b = HttpClient.newBuilder()
                .followRedirects(authorization.isPresent() ? HttpClient.Redirect.NEVER : HttpClient.Redirect.NORMAL);
        tls.ifPresent(b::sslContext);
        return b;
    }

    /** A Secret's or ConfigMap's keys; from a host directory, each file read whole (at most {@value #MAX_KEY_BYTES} bytes). */
    private static KeyData read(Artifact.ImportDataVolume a, IsoContent.KeyObject o) {
        return switch (o) {
            case IsoContent.InStream s -> s.data();
            case IsoContent.HostDirectory d -> {
                Map<String, byte[]> data = new java.util.TreeMap<>();
                for (Map.Entry<String, IsoFiles.Content> e : IsoBuilder.readDirectory(a.forName(), d.kind(), d.name(), d.dir()).entrySet()) {
                    data.put(e.getKey(), switch (e.getValue()) {
                        case IsoFiles.Bytes b -> b.bytes();
                        case IsoFiles.HostFile f -> {
                            if (f.size() > MAX_KEY_BYTES) {
                                throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, d.kind() + " \"" + d.name()
                                        + "\" key " + e.getKey() + " (" + f.path() + ") is " + f.size() + " bytes, more than the "
                                        + MAX_KEY_BYTES + " a credential or CA bundle can be");
                            }
                            try {
                                yield java.nio.file.Files.readAllBytes(f.path());
                            } catch (java.io.IOException io) {
                                throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "cannot read " + d.kind()
                                        + " \"" + d.name() + "\" key " + e.getKey() + " from " + f.path() + ": " + io, io);
                            }
                        }
                    });
                }
                yield new KeyData(data);
            }
        };
    }

    private static String basic(Artifact.ImportDataVolume a, String secret, KeyData data) {
        List<String> missing = new ArrayList<>();
        for (String k : List.of(ACCESS_KEY, SECRET_KEY)) {
            if (!data.keys().contains(k)) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "source.http.secretRef: Secret \"" + secret
                    + "\" has no key " + String.join(" and no key ", missing) + "; it needs " + ACCESS_KEY + " and " + SECRET_KEY
                    + " (the user name and password for HTTP basic auth)");
        }
        String user = new String(data.get(ACCESS_KEY), StandardCharsets.UTF_8);
        String password = new String(data.get(SECRET_KEY), StandardCharsets.UTF_8);
        if (user.contains(":")) {
            throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "source.http.secretRef: Secret \"" + secret
                    + "\" key " + ACCESS_KEY + " contains ':', which HTTP basic auth cannot carry in a user name");
        }
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static SSLContext tls(Artifact.ImportDataVolume a, String configMap, KeyData data) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            int n = 0;
            for (Map.Entry<String, byte[]> e : data.toMap().entrySet()) {
                Collection<? extends Certificate> certs;
                try {
                    certs = x509.generateCertificates(new ByteArrayInputStream(e.getValue()));
                } catch (CertificateException bad) {
                    throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "source.http.certConfigMap: ConfigMap \""
                            + configMap + "\" key \"" + e.getKey() + "\" is not PEM certificates (" + bad.getMessage() + ")", bad);
                }
                for (Certificate c : certs) {
                    store.setCertificateEntry(e.getKey() + "-" + n++, c);
                }
            }
            if (n == 0) {
                throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "source.http.certConfigMap: ConfigMap \""
                        + configMap + "\" holds no certificate; put the CA bundle (PEM) in one of its keys");
            }
            TrustManagerFactory custom = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            custom.init(store);
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new Either(x509(custom), x509(system))}, null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw DataVolumeImporter.fail(a, VmmException.Kind.VOLUME_UNAVAILABLE, "source.http.certConfigMap: ConfigMap \""
                    + configMap + "\" cannot be made a trust store: " + e, e);
        }
    }

    private static X509TrustManager x509(TrustManagerFactory f) {
        for (TrustManager t : f.getTrustManagers()) {
            if (t instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("the JDK's default TrustManagerFactory has an X509TrustManager");
    }

    /** Trusts a server chain that either the ConfigMap's CAs or the host's CAs trust, as CDI adds its CAs to the system pool. */
    private record Either(X509TrustManager custom, X509TrustManager system) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("an import never authenticates clients");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                custom.checkServerTrusted(chain, authType);
            } catch (CertificateException notOurs) {
                try {
                    system.checkServerTrusted(chain, authType);
                } catch (CertificateException e) {
                    e.addSuppressed(notOurs);
                    throw e;
                }
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = custom.getAcceptedIssuers();
            X509Certificate[] b = system.getAcceptedIssuers();
            X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
