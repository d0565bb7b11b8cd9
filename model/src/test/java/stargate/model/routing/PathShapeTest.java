package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shadow index keys routes by {@link PathPattern#shapeOf}, which must be {@code parse(text).shape()}. */
class PathShapeTest {
    @Test
    void shapeOfIsTheParsedShape() {
        Random random = new Random(17);
        int parsed = 0;
        for (int i = 0; i < 100_000; i++) {
            String text = random.nextInt(20) == 0 ? null : randomPath(random);
            String expected;
            try {
                expected = PathPattern.parse(text).shape();
                parsed++;
            } catch (IllegalArgumentException e) {
                IllegalArgumentException actual = assertThrows(IllegalArgumentException.class, () -> PathPattern.shapeOf(text));
                assertEquals(e.getMessage(), actual.getMessage(), text);
                continue;
            }
            assertEquals(expected, PathPattern.shapeOf(text), text);
        }
        assertTrue(parsed > 10_000, "enough valid paths: " + parsed);
    }

    @Test
    void templateNamesDoNotCount() {
        assertEquals("TEMPLATE:/a/{}/b/{}", PathPattern.shapeOf("/a/{id}/b/{item}"));
        assertEquals(PathPattern.shapeOf("/a/{x}"), PathPattern.shapeOf("/a/{y}"));
        assertEquals("PREFIX:", PathPattern.shapeOf("/*"));
        assertEquals("EXACT:/", PathPattern.shapeOf("/"));
    }

    private static String randomPath(Random random) {
        String alphabet = "ab/{}*?#_9";
        int length = random.nextInt(12);
        StringBuilder out = new StringBuilder(random.nextInt(10) == 0 ? "" : "/");
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
