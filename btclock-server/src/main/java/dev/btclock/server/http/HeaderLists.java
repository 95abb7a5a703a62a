package dev.btclock.server.http;

import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.util.MimeHeaders;

import java.util.Locale;

/**
 * Reading list-valued header fields (RFC 9110 §5.6.1: comma-separated elements, optional white
 * space around them), over every occurrence of the field in a request.
 */
public final class HeaderLists {

    private HeaderLists() {
    }

    /** Whether some occurrence of header {@code name} lists {@code token} (compared case-insensitively). */
    public static boolean contains(MimeHeaders headers, String name, String token) {
        for (String value : headers.values(name)) {
            for (String element : value.split(",", -1)) {
                if (element.strip().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code request} asks to be upgraded to WebSocket: {@code Upgrade} lists the protocol
     * {@code websocket}, with or without a version ({@code websocket/13}), in any case.
     */
    public static boolean upgradesToWebSocket(HttpRequestPacket request) {
        if (request.getUpgradeDC().isNull()) {
            return false;
        }
        if (request.getUpgradeDC().equalsIgnoreCase("websocket")) {
            return true; // what every client sends: compared in place, nothing allocated
        }
        for (String element : elements(request.getHeaders(), "Upgrade")) {
            int slash = element.indexOf('/');
            if ((slash < 0 ? element : element.substring(0, slash)).equals("websocket")) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code s} is a token (RFC 9110 §5.6.2): one or more of the characters a method or a protocol name may use. */
    public static boolean isToken(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean tchar = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    /** The elements of every occurrence of header {@code name}, lower-cased, in order. */
    public static java.util.List<String> elements(MimeHeaders headers, String name) {
        java.util.List<String> all = new java.util.ArrayList<>();
        for (String value : headers.values(name)) {
            for (String element : value.split(",", -1)) {
                all.add(element.strip().toLowerCase(Locale.ROOT));
            }
        }
        return all;
    }
}
