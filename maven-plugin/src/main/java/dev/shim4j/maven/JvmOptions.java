package dev.shim4j.maven;

import java.util.ArrayList;
import java.util.List;

/** The JVM options of a launcher: jvm.options' lines without comments and blanks, then the pom's. */
final class JvmOptions {
    private JvmOptions() {}

    static List<String> parse(String text, List<String> extra) {
        var options = new ArrayList<String>();
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            String option = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (!option.isEmpty()) {
                options.add(option);
            }
        }
        if (extra != null) {
            for (String option : extra) {
                if (option != null && !option.isBlank()) {
                    options.add(option.strip());
                }
            }
        }
        return List.copyOf(options);
    }
}
