package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.VmmException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One http(s) GET of a DataVolume source into a file, with the JDK's {@link HttpClient}. Only status
 * 200 is accepted (redirects are followed); a body shorter than its Content-Length, a connection
 * closed mid-body, or no new byte for the stall limit fails the download. Progress is sampled from
 * the file's length about twice a second while waiting on the response, so the wait is on the
 * download itself and always bounded by the stall limit.
 */
final class HttpDownload {

    private static final Duration TICK = Duration.ofMillis(500);

    private final HttpClient http;
    private final Duration stallTimeout;
    private final ImportProgress progress;
    private final Optional<String> authorization;

    HttpDownload(HttpClient http, Duration stallTimeout, ImportProgress progress) {
        this(http, stallTimeout, progress, Optional.empty());
    }

    /** {@code authorization}: an {@code Authorization} header value sent with the request (basic auth from a Secret). */
    HttpDownload(HttpClient http, Duration stallTimeout, ImportProgress progress, Optional<String> authorization) {
        this.http = http;
        this.stallTimeout = stallTimeout;
        this.progress = progress;
        this.authorization = authorization;
    }

    void fetch(Artifact.ImportDataVolume a, URI url, Path file) throws IOException {
        AtomicLong length = new AtomicLong(-1);
        HttpResponse.BodyHandler<Path> handler = info -> {
            if (info.statusCode() != 200) {
                return HttpResponse.BodySubscribers.replacing(null);
            }
            length.set(info.headers().firstValueAsLong("content-length").orElse(-1));
            return HttpResponse.BodySubscribers.ofFile(file);
        };
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).GET().timeout(stallTimeout);
        authorization.ifPresent(v -> rb.header("Authorization", v));
        HttpRequest request = rb.build();
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<Path>> response = http.sendAsync(request, handler);
        long lastBytes = -1;
        long lastChange = start;
        HttpResponse<Path> done;
        while (true) {
            try {
                done = response.get(TICK.toMillis(), TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException tick) {
                long bytes = Files.exists(file) ? Files.size(file) : 0;
                long now = System.nanoTime();
                if (bytes != lastBytes) {
                    lastBytes = bytes;
                    lastChange = now;
                    progress.report(status(a, bytes, length.get(), now - start, false));
                } else if (Duration.ofNanos(now - lastChange).compareTo(stallTimeout) > 0) {
                    response.cancel(true);
                    throw DataVolumeImporter.fail(a, VmmException.Kind.IMPORT_UNREACHABLE, url + " sent nothing for "
                            + stallTimeout.toSeconds() + " s after " + bytes + " bytes; check the server and start again");
                }
            } catch (InterruptedException e) {
                response.cancel(true);
                Thread.currentThread().interrupt();
                throw DataVolumeImporter.fail(a, VmmException.Kind.IMPORT_UNREACHABLE, "download of " + url + " interrupted", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof javax.net.ssl.SSLException) {
                    throw DataVolumeImporter.fail(a, VmmException.Kind.IMPORT_UNREACHABLE, "TLS with " + url + " failed (" + cause
                            + "); when the server's certificate comes from a private CA, put that CA (PEM) in a ConfigMap and "
                            + "name it in source.http.certConfigMap", cause);
                }
                throw DataVolumeImporter.fail(a, VmmException.Kind.IMPORT_UNREACHABLE, "cannot download " + url + " ("
                        + cause + "); check that the server is up and the URL is right, then start again", cause);
            }
        }
        if (done.statusCode() == 401 || done.statusCode() == 403) {
            throw DataVolumeImporter.fail(a, VmmException.Kind.IMPORT_UNREACHABLE, url + " answered HTTP " + done.statusCode()
                    + (authorization.isPresent() ? "; the server refused the credentials of source.http.secretRef, check "
                    + "its accessKeyId and secretKey" : "; the server wants credentials: add source.http.secretRef naming a Secret "
                    + "with accessKeyId and secretKey"));
        }
        if (done.statusCode() / 100 == 3 && authorization.isPresent()) {
            throw DataVolumeImporter.fail(a, VmmException.Kind.IMPORT_UNREACHABLE, url + " answered HTTP " + done.statusCode()
                    + " (a redirect to " + done.headers().firstValue("location").orElse("nowhere") + "); with source.http.secretRef "
                    + "redirects are not followed, so the credentials never leave for another server; use the final URL");
        }
        if (done.statusCode() != 200) {
            VmmException.Kind kind = done.statusCode() == 404 || done.statusCode() == 410
                    ? VmmException.Kind.IMPORT_SOURCE_NOT_FOUND : VmmException.Kind.IMPORT_UNREACHABLE;
            throw DataVolumeImporter.fail(a, kind, url + " answered HTTP " + done.statusCode()
                    + (kind == VmmException.Kind.IMPORT_SOURCE_NOT_FOUND ? "; fix source.http.url" : "; the server refused the download"));
        }
        long bytes = Files.size(file);
        if (length.get() >= 0 && bytes != length.get()) {
            throw DataVolumeImporter.fail(a, VmmException.Kind.IMPORT_UNREACHABLE, url + " announced " + length.get()
                    + " bytes but sent " + bytes + "; start again");
        }
        progress.report(status(a, bytes, length.get(), System.nanoTime() - start, true));
    }

    private static ImportProgress.Status status(Artifact.ImportDataVolume a, long bytes, long length, long nanos, boolean done) {
        double rate = nanos <= 0 ? 0 : bytes * 1e9 / nanos;
        OptionalLong total = length >= 0 ? OptionalLong.of(length) : OptionalLong.empty();
        Optional<Duration> eta = length >= 0 && rate > 0
                ? Optional.of(Duration.ofMillis((long) ((length - bytes) * 1000 / rate))) : Optional.empty();
        return new ImportProgress.Status(a.dataVolume(), bytes, total, rate, eta, done);
    }
}
