package dev.btclock.tests;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The documentation the code relies on is in the repository: no file points at a document outside
 * it, every relative link in a Markdown file leads to a file that exists, and every
 * {@code docs/<name>.md §N} citation names a section that document has.
 */
class DocumentationTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Set<String> TEXT = Set.of("java", "md", "xml", "txt", "go", "sh", "py", "yaml", "cfg", "service", "js", "c");
    private static final Set<String> SKIP = Set.of("target", ".git", "node_modules", "results", ".mvn");
    private static final Pattern OUTSIDE = Pattern.compile("\\b(PROTOCOL|UPSTREAMS|NOSTR|STACK|ARCHITECTURE|STYLE)\\.md\\b|\\.\\./shared\\b");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern CITATION = Pattern.compile("docs/(\\w+)\\.md,?\\s+§(\\d+(?:\\.\\d+)*)");

    private static List<Path> textFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(ROOT)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> noSkippedDirectory(ROOT.relativize(p)))
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        int dot = n.lastIndexOf('.');
                        return dot > 0 && TEXT.contains(n.substring(dot + 1));
                    })
                    .toList();
        }
    }

    private static boolean noSkippedDirectory(Path relative) {
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            if (SKIP.contains(relative.getName(i).toString())) {
                return false;
            }
        }
        return true;
    }

    @Test
    void nothingPointsAtADocumentOutsideTheRepository() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path f : textFiles()) {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            Matcher m = OUTSIDE.matcher(text);
            while (m.find()) {
                found.add(ROOT.relativize(f) + ": " + m.group());
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void everyRelativeLinkInTheMarkdown_leadsToAFile() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path f : textFiles()) {
            if (!f.toString().endsWith(".md")) {
                continue;
            }
            Matcher m = LINK.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("#") || target.matches("^[a-z]+:.*")) {
                    continue;
                }
                String path = target.replaceFirst("#.*$", "");
                if (!Files.exists(f.getParent().resolve(path))) {
                    broken.add(ROOT.relativize(f) + ": " + target);
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void everyCitedSection_exists() throws IOException {
        List<String> missing = new ArrayList<>();
        int citations = 0;
        for (Path f : textFiles()) {
            Matcher m = CITATION.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
                citations++;
                Path doc = ROOT.resolve("docs").resolve(m.group(1) + ".md");
                String section = m.group(2);
                Pattern heading = Pattern.compile("(?m)^#{2,6} " + Pattern.quote(section) + "\\.?\\s");
                if (!Files.exists(doc) || !heading.matcher(Files.readString(doc, StandardCharsets.UTF_8)).find()) {
                    missing.add(ROOT.relativize(f) + ": " + m.group());
                }
            }
        }
        assertFalse(citations < 20, "the citations were found (" + citations + ")");
        assertEquals(List.of(), missing);
    }
}
