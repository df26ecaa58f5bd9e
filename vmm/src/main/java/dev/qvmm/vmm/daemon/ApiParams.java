package dev.qvmm.vmm.daemon;

import io.netty.handler.codec.http.QueryStringDecoder;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Query parameters of the API, checked where they are read; and client text fit to quote back. */
final class ApiParams {

    private ApiParams() {
    }

    /** A request the client must change: answered 400 with the message, which names the part. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * {@code ?grace=SECONDS}: absent means the VM's own grace period (its terminationGracePeriodSeconds);
     * anything but one whole number from 0 to {@link ApiLimits#MAX_GRACE_SECONDS} is refused, never clamped.
     */
    static Optional<Duration> grace(QueryStringDecoder uri) {
        List<String> given = uri.parameters().get("grace");
        if (given == null) {
            return Optional.empty();
        }
        String g = given.getFirst();
        long seconds;
        try {
            seconds = Long.parseLong(g);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (given.size() > 1 || seconds < 0 || seconds > ApiLimits.MAX_GRACE_SECONDS) {
            throw new BadRequest("parameter grace=\"" + printable(String.join(",", given)) + "\" must be one whole number of seconds from 0 to "
                    + ApiLimits.MAX_GRACE_SECONDS);
        }
        return Optional.of(Duration.ofSeconds(seconds));
    }

    /** What a client sent, fit to quote back: control characters replaced, at most 80 characters. */
    static String printable(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 80 ? t.substring(0, 80) + "..." : t;
    }
}
