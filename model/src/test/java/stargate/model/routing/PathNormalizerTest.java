package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathNormalizerTest {

    @ParameterizedTest(name = "{2}: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /public/../admin/x         | /admin/x             | a dot-dot segment is removed with its parent
            /public/%2e%2e/admin/x     | /admin/x             | encoded dots are decoded first, then removed
            /public/%2E%2E/admin/x     | /admin/x             | upper-case escapes too
            /public/.%2e/admin/x       | /admin/x             | half-encoded dot-dot
            //admin                    | /admin               | a leading double slash is merged
            /a//b///c                  | /a/b/c               | repeated slashes are merged
            /a/b//                     | /a/b/                | a trailing slash stays
            /%61dmin                   | /admin               | an encoded unreserved letter is decoded
            /%7E%2D%2E%5F%30x          | /~-._0x              | every unreserved kind is decoded
            /a/./b                     | /a/b                 | a dot segment is removed
            /a/b/..                    | /a/                  | a final dot-dot leaves a directory
            /a/b/.                     | /a/b/                | a final dot leaves a directory
            /a/b/../c/./d              | /a/c/d               | RFC 3986 5.2.4
            /a/../b                    | /b                   | climbing to the root is fine
            /..a/.b./a..               | /..a/.b./a..         | dots inside a name are not dot segments
            /a;v=1/..b;c/...;d         | /a;v=1/..b;c/...;d   | parameters elsewhere are kept
            /caf%c3%a9                 | /caf%C3%A9           | other escapes stay encoded, hex upper-cased
            /a%20b%3Fc%25d             | /a%20b%3Fc%25d       | reserved and percent stay encoded
            /a/../b?x=/../%2f&y=%61    | /b?x=/../%2f&y=%61   | the query is untouched
            ''                         | /                    | an empty path is /
            ?q=1                       | /?q=1                | a query alone is on /
            *                          | *                    | OPTIONS * is left as is
            """)
    void normalizes(String target, String expected, String rule) throws MalformedPathException {
        assertEquals(expected, PathNormalizer.normalize(target), rule);
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            /public/..%2fadmin/x       | encoded '/'                   | encoded '/'
            /public/..%2Fadmin/x       | encoded '/'                   | encoded '/' upper-case
            /a%5cb                     | encoded '/'                   | encoded backslash
            /a%5Cb                     | encoded '/'                   | encoded backslash upper-case
            /a%00b                     | encoded '/'                   | encoded NUL
            /a\\b                      | backslash                     | raw backslash
            /..                        | climbs above /                | dot-dot at the root
            /a/../../b                 | climbs above /                | dot-dot past the root
            /%2e%2e/x                  | climbs above /                | encoded dot-dot at the root
            /a%2                       | two hex digits                | truncated escape
            /a%zz                      | two hex digits                | non-hex escape
            /a/b%                      | two hex digits                | a lone percent
            /caf\u00e9                 | not printable ASCII           | a raw byte outside ASCII
            /a\u007fb                  | not printable ASCII           | DEL
            /a\tb                      | not printable ASCII           | a control character
            /public/..;/admin/x        | dot segment with ';'          | Tomcat-style parameters on dot-dot
            /public/.;x/admin          | dot segment with ';'          | parameters on a dot
            /public/%2e%2e;a=b/admin   | dot segment with ';'          | encoded dot-dot with parameters
            """)
    void refuses(String target, String reason, String rule) {
        MalformedPathException e = assertThrows(MalformedPathException.class, () -> PathNormalizer.normalize(target),
                rule);
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void aPathThatCannotChangeIsReturnedAsTheSameInstance() throws MalformedPathException {
        for (String target : new String[] {"/users/42/orders", "/", "/a.b/c..d/", "/x?y=/../%2f"}) {
            assertSame(target, PathNormalizer.normalize(target), target);
        }
    }

    @Test
    void aSegmentThatOnlyLooksLikeADotSegmentKeepsTheSameInstance() throws MalformedPathException {
        String target = "/.well-known/acme-challenge/x";
        assertSame(target, PathNormalizer.normalize(target));
    }

    @Test
    void normalizingTwiceChangesNothing() throws MalformedPathException {
        String once = PathNormalizer.normalize("//a/%2e/b/../caf%c3%a9/%7e?q");
        assertEquals("/a/caf%C3%A9/~?q", once);
        assertSame(once, PathNormalizer.normalize(once));
    }
}
