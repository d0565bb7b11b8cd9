package stargate.model.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The name checks are loops (they run on every id, host and path segment at a start); these are the
 * regular expressions they replaced, compared on random strings made of the characters that matter
 * at their edges, and on the cases people write.
 */
class SyntaxTest {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern HOST =
            Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern PATH_CHARS = Pattern.compile("[A-Za-z0-9\\-._~!$&'()+,;=:@%/]*");
    private static final Pattern VARIABLE_SEGMENT = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

    @Test
    void idIsTheRegex() {
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            String id = random(random, "a0Z._-*é", 70);
            assertEquals(ID.matcher(id).matches(), Syntax.isId(id), id);
        }
        assertTrue(Syntax.isId("r0"));
        assertTrue(Syntax.isId("a".repeat(64)));
        assertFalse(Syntax.isId("a".repeat(65)));
        assertFalse(Syntax.isId("-a"));
        assertFalse(Syntax.isId("R0"));
    }

    @Test
    void hostIsTheRegex() {
        Random random = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            String host = (random.nextInt(4) == 0 ? "*." : "") + random(random, "a0.-*A_", 12);
            assertEquals(HOST.matcher(host).matches(), hostValid(host), host);
        }
        String label63 = "a".repeat(63);
        for (String host : List.of("api.example.com", "*.example.org", label63 + ".com", label63 + "a.com",
                "a-.com", "-a.com", "a..com", "a.com.", ".a.com", "*.", "*", "**.a", "*.*.a", "xn--bcher-kva.example")) {
            assertEquals(HOST.matcher(host).matches(), hostValid(host), host);
        }
    }

    @Test
    void pathSegmentsAreTheRegexes() {
        Random random = new Random(13);
        for (int i = 0; i < 200_000; i++) {
            String path = "/" + random(random, "aZ0_{}/.*%~ ?é-", 10);
            assertEquals(regexRoutePath(path), valid(path), path);
        }
        for (String path : List.of("/a/{id}", "/a/{id}/b/{id}", "/{_x9}", "/{9x}", "/{}", "/{a}b", "/{{a}}", "/a b",
                "/a/*", "/a/{id}/*", "/a//b", "/a/", "/.", "/a/../b", "/%2F", "/x'y(z)")) {
            assertEquals(regexRoutePath(path), valid(path), path);
        }
    }

    private static boolean hostValid(String host) {
        Findings f = new Findings();
        Syntax.host(f, "h", host);
        return f.count() == 0;
    }

    private static boolean valid(String path) {
        Findings f = new Findings();
        return Syntax.routePath(f, "p", path) != null;
    }

    /** Syntax.routePath as it was, with the regular expressions. */
    private static boolean regexRoutePath(String path) {
        if (path.contains("?") || path.contains("#")) {
            return false;
        }
        String body = path.endsWith("/*") ? path.substring(0, path.length() - 1) : path;
        if (body.contains("*")) {
            return false;
        }
        var variables = new LinkedHashSet<String>();
        String[] segments = body.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty()) {
                if (i != segments.length - 1) {
                    return false;
                }
            } else if (segment.equals(".") || segment.equals("..")) {
                return false;
            } else if (segment.contains("{") || segment.contains("}")) {
                var m = VARIABLE_SEGMENT.matcher(segment);
                if (!m.matches() || !variables.add(m.group(1))) {
                    return false;
                }
            } else if (!PATH_CHARS.matcher(segment).matches()) {
                return false;
            }
        }
        return !(path.endsWith("/*") && !variables.isEmpty());
    }

    private static String random(Random random, String alphabet, int maxLength) {
        int length = random.nextInt(maxLength + 1);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
