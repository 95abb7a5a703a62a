package dev.btclock.core.codec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 reader for short texts from anyone: objects become {@link LinkedHashMap}s
 * (a repeated key keeps its last value, as {@code JSON.parse} does), arrays {@link List}s, integers
 * that fit {@link Long} Longs, other numbers Doubles. Nesting is limited, so hostile depth costs no
 * stack; anything malformed throws {@link Malformed}.
 */
final class JsonReader {

    static final int MAX_DEPTH = 16;

    /** The text is not one well-formed JSON value. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final String s;
    private int pos;

    private JsonReader(String s) {
        this.s = s;
    }

    /** Parses exactly one value, surrounded by optional whitespace. */
    static Object parse(String text) {
        JsonReader r = new JsonReader(text);
        Object value = r.value(0);
        r.whitespace();
        if (r.pos != text.length()) {
            throw new Malformed("trailing characters at " + r.pos);
        }
        return value;
    }

    private Object value(int depth) {
        whitespace();
        char c = peek();
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return string();
            case 't':
                literal("true");
                return Boolean.TRUE;
            case 'f':
                literal("false");
                return Boolean.FALSE;
            case 'n':
                literal("null");
                return null;
            default:
                return number();
        }
    }

    private Map<String, Object> object(int depth) {
        checkDepth(depth);
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        whitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            whitespace();
            if (peek() != '"') {
                throw new Malformed("expected a key at " + pos);
            }
            String key = string();
            whitespace();
            expect(':');
            map.put(key, value(depth));
            whitespace();
            char c = next();
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw new Malformed("expected , or } at " + (pos - 1));
            }
        }
    }

    private List<Object> array(int depth) {
        checkDepth(depth);
        pos++;
        List<Object> list = new ArrayList<>();
        whitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(value(depth));
            whitespace();
            char c = next();
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                throw new Malformed("expected , or ] at " + (pos - 1));
            }
        }
    }

    private String string() {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw new Malformed("control character in string at " + (pos - 1));
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length()) {
                        throw new Malformed("truncated escape");
                    }
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(s.charAt(pos++), 16);
                        if (d < 0) {
                            throw new Malformed("bad \\u escape at " + (pos - 1));
                        }
                        cp = cp << 4 | d;
                    }
                    sb.append((char) cp);
                }
                default -> throw new Malformed("bad escape at " + (pos - 1));
            }
        }
    }

    private Object number() {
        int start = pos;
        if (peekOr('\0') == '-') {
            pos++;
        }
        if (peekOr('\0') == '0') {
            pos++;
        } else {
            digits();
        }
        boolean integral = true;
        if (peekOr('\0') == '.') {
            pos++;
            digits();
            integral = false;
        }
        char c = peekOr('\0');
        if (c == 'e' || c == 'E') {
            pos++;
            c = peekOr('\0');
            if (c == '+' || c == '-') {
                pos++;
            }
            digits();
            integral = false;
        }
        String text = s.substring(start, pos);
        if (integral && text.length() <= 18) {
            return Long.parseLong(text);
        }
        if (integral) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                return Double.parseDouble(text);
            }
        }
        return Double.parseDouble(text);
    }

    private void digits() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw new Malformed("expected a digit at " + pos);
        }
    }

    private void literal(String word) {
        if (!s.startsWith(word, pos)) {
            throw new Malformed("unexpected token at " + pos);
        }
        pos += word.length();
    }

    private void whitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void expect(char c) {
        if (next() != c) {
            throw new Malformed("expected " + c + " at " + (pos - 1));
        }
    }

    private void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw new Malformed("nested deeper than " + MAX_DEPTH);
        }
    }

    private char peek() {
        if (pos >= s.length()) {
            throw new Malformed("truncated");
        }
        return s.charAt(pos);
    }

    private char peekOr(char fallback) {
        return pos < s.length() ? s.charAt(pos) : fallback;
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }
}
