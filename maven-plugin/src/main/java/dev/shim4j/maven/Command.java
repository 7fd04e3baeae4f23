package dev.shim4j.maven;

import java.util.regex.Pattern;

/**
 * One launcher of the distribution, as configured in the pom ({@code <commands><command>}):
 *
 * <ul>
 *   <li>{@code name}: the launcher's file name in {@code bin/}, the command containerd runs, e.g.
 *       {@code containerd-shim-NAME-v1} (runtime {@code io.containerd.NAME.v1});
 *   <li>{@code mainClass}: the class whose {@code main} it runs;
 *   <li>{@code training} (default {@code shim}): how its AOT cache is trained: {@code shim},
 *       a real start + Connect + Shutdown of the shim; {@code client}, a ttrpc client of shims
 *       (it gets the daemon's address as its only argument) recorded while it sends Connect and
 *       Shutdown during the first {@code shim} training of the execution; {@code none}, no cache;
 *   <li>{@code trainingMainClass} (optional, with {@code shim}): a class of the project's runtime
 *       class path that plays containerd against the launcher instead (see {@link PackageMojo}).
 * </ul>
 */
public class Command {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");
    private static final Pattern CLASS = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

    private String name;
    private String mainClass;
    private String training = "shim";
    private String trainingMainClass;

    /** A command as the pom would configure it (Maven itself fills the fields). */
    static Command of(String name, String mainClass, String training, String trainingMainClass) {
        Command c = new Command();
        c.name = name;
        c.mainClass = mainClass;
        c.training = training;
        c.trainingMainClass = trainingMainClass;
        return c;
    }

    public String name() {
        return name;
    }

    public String mainClass() {
        return mainClass;
    }

    public Training training() {
        return Training.of(training, name);
    }

    public String trainingMainClass() {
        return trainingMainClass;
    }

    /**
     * Refuses what the launcher could not carry safely: the name and the main class are written
     * into a shell script, so only plain file and class names are taken.
     */
    void check() {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("command name '" + name + "': want a plain file name ("
                    + NAME.pattern() + "), e.g. containerd-shim-NAME-v1");
        }
        if (mainClass == null || !CLASS.matcher(mainClass).matches()) {
            throw new IllegalArgumentException("command " + name + ": mainClass '" + mainClass + "' is not a class name");
        }
        if (trainingMainClass != null && !CLASS.matcher(trainingMainClass).matches()) {
            throw new IllegalArgumentException("command " + name + ": trainingMainClass '" + trainingMainClass
                    + "' is not a class name");
        }
        if (trainingMainClass != null && training() != Training.SHIM) {
            throw new IllegalArgumentException("command " + name + ": trainingMainClass goes with training shim");
        }
        training();
    }

    /** How a command's AOT cache is trained. */
    public enum Training {
        SHIM, CLIENT, NONE;

        static Training of(String value, String command) {
            for (Training t : values()) {
                if (t.name().equalsIgnoreCase(value)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("command " + command + ": training '" + value
                    + "': want shim, client or none");
        }
    }
}
