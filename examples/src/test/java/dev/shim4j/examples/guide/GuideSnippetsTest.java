package dev.shim4j.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet of {@code docs/guide.md} is a piece of this module's compiled code: its
 * lines (indentation and blank lines aside) occur in that order in one source file, a line
 * {@code // ...} standing for any lines left out. So the guide cannot show code that no longer
 * compiles, or that the example no longer runs.
 */
class GuideSnippetsTest {
  private static final Path GUIDE = Path.of("..", "docs", "guide.md");
  private static final String ELISION = "// ...";

  @Test
  void everyJavaSnippetIsQuotedFromCompiledCode() throws IOException {
    List<List<String>> sources = new ArrayList<>();
    for (Path root : List.of(Path.of("src", "main", "java"), Path.of("src", "test", "java"))) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          sources.add(normalized(Files.readAllLines(file)));
        }
      }
    }
    List<List<String>> snippets = javaSnippets(Files.readAllLines(GUIDE));
    assertThat(snippets).as("java snippets in " + GUIDE).hasSizeGreaterThan(5);
    for (List<String> snippet : snippets) {
      assertThat(sources.stream().anyMatch(source -> quotes(source, snippet)))
          .as("this snippet of the guide is not in the examples' sources:%n%s", String.join("\n", snippet))
          .isTrue();
    }
  }

  /** Whether {@code source} holds the snippet's pieces (split at {@code // ...}) in order. */
  static boolean quotes(List<String> source, List<String> snippet) {
    int from = 0;
    int start = 0;
    for (int i = 0; i <= snippet.size(); i++) {
      if (i == snippet.size() || snippet.get(i).equals(ELISION)) {
        List<String> piece = snippet.subList(start, i);
        int at = Collections.indexOfSubList(source.subList(from, source.size()), piece);
        if (at < 0) {
          return false;
        }
        from += at + piece.size();
        start = i + 1;
      }
    }
    return true;
  }

  /** The ```java blocks of a markdown file, normalized. */
  static List<List<String>> javaSnippets(List<String> markdown) {
    List<List<String>> snippets = new ArrayList<>();
    List<String> current = null;
    for (String line : markdown) {
      if (current == null && line.strip().equals("```java")) {
        current = new ArrayList<>();
      } else if (current != null && line.strip().equals("```")) {
        snippets.add(normalized(current));
        current = null;
      } else if (current != null) {
        current.add(line);
      }
    }
    return snippets;
  }

  /** Lines stripped of indentation, blank lines left out. */
  static List<String> normalized(List<String> lines) {
    return lines.stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }
}
