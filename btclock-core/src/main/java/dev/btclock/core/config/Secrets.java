package dev.btclock.core.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeping secrets out of what the server prints. Settings such as {@code BITCOIND_RPC} or
 * {@code BROKER_URL} may carry a password in a URL ({@code http://user:secret@host/}); every
 * configuration message and log line that shows such a value shows it through
 * {@link #maskUserInfo}.
 */
public final class Secrets {

    /** A URL's user information: scheme, {@code ://}, anything up to an {@code @} before the host. */
    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)([^/?#@\\s\"'\\[\\]]*)@");

    private Secrets() {
    }

    /**
     * {@code text} with the password of every URL's user information replaced by {@code ***}
     * ({@code http://user:secret@host} becomes {@code http://user:***@host}); user information
     * without a colon, which is a token, becomes {@code ***} as a whole. Null stays null.
     */
    public static String maskUserInfo(String text) {
        if (text == null || text.indexOf('@') < 0) {
            return text;
        }
        Matcher m = USER_INFO.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String info = m.group(2);
            int colon = info.indexOf(':');
            String masked = colon < 0 ? "***" : info.substring(0, colon) + ":***";
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + masked + "@"));
        }
        m.appendTail(out);
        return out.toString();
    }
}
