package dev.qvmm.vmm.spec;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes resource quantities as users write them: {@code 64M}, {@code 2Gi}, {@code 128Mi},
 * {@code "134217728"}, {@code 1e3}, {@code 500m}. Decimal suffixes are powers of 1000, binary ones
 * powers of 1024.
 */
public final class Quantity {

    private static final Pattern FORM = Pattern.compile(
            "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?");

    private Quantity() {
    }

    /** The exact value, or empty when the text is not a quantity. */
    public static Optional<BigDecimal> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        BigDecimal number = new BigDecimal(m.group(1));
        if (m.group(2) != null) {
            return Optional.of(number.scaleByPowerOfTen(Integer.parseInt(m.group(2).substring(1))));
        }
        String suffix = m.group(3);
        if (suffix == null) {
            return Optional.of(number);
        }
        BigDecimal factor = switch (suffix) {
            case "n" -> BigDecimal.ONE.scaleByPowerOfTen(-9);
            case "u" -> BigDecimal.ONE.scaleByPowerOfTen(-6);
            case "m" -> BigDecimal.ONE.scaleByPowerOfTen(-3);
            case "k" -> BigDecimal.ONE.scaleByPowerOfTen(3);
            case "M" -> BigDecimal.ONE.scaleByPowerOfTen(6);
            case "G" -> BigDecimal.ONE.scaleByPowerOfTen(9);
            case "T" -> BigDecimal.ONE.scaleByPowerOfTen(12);
            case "P" -> BigDecimal.ONE.scaleByPowerOfTen(15);
            case "E" -> BigDecimal.ONE.scaleByPowerOfTen(18);
            case "Ki" -> BigDecimal.valueOf(1L << 10);
            case "Mi" -> BigDecimal.valueOf(1L << 20);
            case "Gi" -> BigDecimal.valueOf(1L << 30);
            case "Ti" -> BigDecimal.valueOf(1L << 40);
            case "Pi" -> BigDecimal.valueOf(1L << 50);
            case "Ei" -> BigDecimal.valueOf(1L << 60);
            default -> throw new IllegalStateException("suffix " + suffix + " is in the pattern but not here");
        };
        return Optional.of(number.multiply(factor));
    }

    /**
     * A quantity rounded up to a whole number (bytes, CPUs), as Kubernetes' {@code Value()} does;
     * empty when unreadable, negative or beyond a long.
     */
    public static Optional<Long> wholeUp(String text) {
        return parse(text).filter(v -> v.signum() >= 0).flatMap(v -> {
            BigDecimal up = v.setScale(0, RoundingMode.CEILING);
            return up.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Optional.empty() : Optional.of(up.longValueExact());
        });
    }
}
