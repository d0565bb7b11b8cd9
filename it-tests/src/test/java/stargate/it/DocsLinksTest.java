package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation's links lead somewhere: every relative markdown link in README.md, docs/ and bench/ names a
 * file of the repository (and, for a {@code #fragment} into markdown, one of its headings as GitHub anchors them),
 * and every markdown file under docs/ that a source file, script or config cites by its path exists.
 */
class DocsLinksTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** {@code [text](target)} or {@code ![alt](target "title")}; the target up to a space. */
    private static final Pattern LINK = Pattern.compile("\\]\\(<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    /** A markdown file under docs cited by its path from the repository's root, or by one climbing out of it first. */
    static final Pattern DOCS_CITATION = Pattern.compile("(?<![\\w./-])(?:(?:\\.\\./)+[\\w./-]*?)?docs/[\\w./-]+\\.md\\b");

    private static List<Path> markdown() throws IOException {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        for (String dir : List.of("docs", "bench")) {
            try (Stream<Path> walk = Files.walk(ROOT.resolve(dir))) {
                walk.filter(p -> p.toString().endsWith(".md") && !p.toString().contains("/target/")).sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    @Test
    void everyRelativeMarkdownLinkResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : markdown()) {
            int lineNumber = 0;
            boolean fenced = false;
            for (String line : Files.readAllLines(file)) {
                lineNumber++;
                if (line.stripLeading().startsWith("```")) {
                    fenced = !fenced;
                    continue;
                }
                if (fenced) {
                    continue;
                }
                Matcher link = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
                while (link.find()) {
                    String target = link.group(1);
                    if (target.matches("[a-zA-Z][a-zA-Z+.-]*:.*")) {
                        continue;   // http:, https:, mailto:
                    }
                    checked++;
                    String problem = problem(file, target);
                    if (problem != null) {
                        broken.add(ROOT.relativize(file) + ":" + lineNumber + ": " + target + " (" + problem + ")");
                    }
                }
            }
        }
        assertTrue(checked > 20, "the links were found at all: " + checked);
        assertEquals(List.of(), broken);
    }

    /** Why {@code target}, linked from {@code from}, leads nowhere; null when it resolves. */
    private static String problem(Path from, String target) throws IOException {
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String fragment = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = path.isEmpty() ? from : from.getParent().resolve(path).normalize();
        if (!resolved.startsWith(ROOT)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (fragment != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(fragment)) {
            return "no such heading in " + ROOT.relativize(resolved);
        }
        return null;
    }

    /** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
    static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(markdown)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            if (fenced || !heading.matches()) {
                continue;
            }
            String slug = heading.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_ -]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return anchors;
    }

    @Test
    void everyCitedDocsFileExists() throws IOException {
        List<String> missing = new ArrayList<>();
        List<Path> sources = new ArrayList<>();
        for (String dir : List.of("model/src", "nima-node/src", "mp-controller/src", "it-tests/src", "bench", "bin", "etc",
                "docs")) {
            try (Stream<Path> walk = Files.walk(ROOT.resolve(dir))) {
                walk.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/target/"))
                        .filter(p -> p.toString().matches(".*\\.(java|md|sh|yaml|yml|tpl|txt|env|service)$")
                                || p.getParent().endsWith("bin"))
                        .forEach(sources::add);
            }
        }
        sources.add(ROOT.resolve("README.md"));
        for (Path source : sources) {
            Matcher citation = DOCS_CITATION.matcher(Files.readString(source));
            while (citation.find()) {
                Path cited = ROOT.resolve(citation.group()).normalize();
                if (!cited.startsWith(ROOT) || !Files.exists(cited)) {
                    missing.add(ROOT.relativize(source) + " cites " + citation.group());
                }
            }
        }
        assertTrue(sources.size() > 100, "the sources were found: " + sources.size());
        assertEquals(List.of(), missing);
    }

    @Test
    void aCitationThatLeavesTheRepositoryIsFound() {
        String outside = "../shared/" + "docs/proxy-spike" + ".md";   // split: this file is scanned too
        Matcher citation = DOCS_CITATION.matcher(" * no per-read timeout (" + outside + "). See docs" + "/grpc.md too");
        assertTrue(citation.find());
        assertEquals(outside, citation.group());
        assertTrue(citation.find());
        assertEquals("docs" + "/grpc.md", citation.group());
    }

    @Test
    void headingsGetGitHubsAnchors(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("a.md");
        Files.writeString(file, "# Tracing (SPEC §17)\n## Logs\n```\n# not a heading\n```\n## Logs\n### `--log-format` json\n");
        assertEquals(Set.of("tracing-spec-17", "logs", "logs-1", "--log-format-json"), anchors(file));
    }
}
