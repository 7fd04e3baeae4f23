package dev.shim4j.maven;

import dev.shim4j.launcher.LauncherFiles;
import dev.shim4j.launcher.StartProgram;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;

/**
 * {@code shim4j:package}: the distribution of a shim written with shim4j, as runc4j's is built
 * (module dist uses this goal): {@code target/shim4j/bin} with a launcher per command and
 * {@code shim4j-start}, {@code target/shim4j/lib} with the jars and the AOT caches trained at
 * build time. containerd runs {@code bin/NAME} by absolute path ({@code ctr run --runtime
 * /abs/target/shim4j/bin/containerd-shim-NAME-v1 ...}) or from PATH as runtime
 * {@code io.containerd.NAME.v1}; the directory may be copied anywhere (a launcher finds lib/
 * relative to itself, through symlinks too).
 *
 * <pre>{@code
 * <plugin>
 *   <groupId>dev.shim4j</groupId>
 *   <artifactId>shim4j-maven-plugin</artifactId>
 *   <version>${shim4j.version}</version>
 *   <executions>
 *     <execution>
 *       <goals><goal>package</goal></goals>
 *       <configuration>
 *         <commands>
 *           <command>
 *             <name>containerd-shim-NAME-v1</name>
 *             <mainClass>com.example.MyShim</mainClass>
 *           </command>
 *         </commands>
 *       </configuration>
 *     </execution>
 *   </executions>
 * </plugin>
 * }</pre>
 *
 * A command takes {@code name}, {@code mainClass} and optionally {@code training} and
 * {@code trainingMainClass} ({@link Command}). Bound to {@code package} by default, so tests of
 * the packaged launchers run in {@code integration-test} (maven-failsafe-plugin); the testkit's
 * {@code PackagedShim} finds them. Properties: {@code -Dshim4j.aot=no-train} skips the AOT
 * training (launchers without caches; they work, and start slower), {@code -Dshim4j.skip} the
 * whole goal, {@code -Dshim4j.cc} (or {@code $CC}) picks the C compiler.
 *
 * <p>The steps, and why each:
 *
 * <ol>
 *   <li><b>lib/</b>: the project's jar and its runtime dependencies, copied so the distribution
 *       stands alone (no Maven repository at run time). The class path order is fixed, with the
 *       jar that registers the shim library's LoggerFinder first ({@link LibJars} says why):
 *       an AOT cache only loads for the class path it was trained with.
 *   <li><b>bin/shim4j-start</b>: compiled from C with {@code cc} (the source ships in
 *       {@code dev.shim4j:shim4j-launcher}). containerd waits for {@code start}; this small
 *       program hands it to a JVM already up (a spare, or a live daemon of the same containerd,
 *       runtime and namespace) or starts one cold that answers and becomes the daemon, and is
 *       the only process writing containerd's stdout, once.
 *   <li><b>bin/NAME</b>: the launcher, shim4j-launcher's {@code launcher.bash} filled in with the
 *       main class, the JDK the build runs on (used unless {@code JAVA_HOME} is a JDK 25+ or
 *       {@code SHIM4J_JAVA_HOME} is set), the class path and the tuned JVM options of
 *       {@code jvm.options} (small heap and young generation, SerialGC, C1 only, nothing on
 *       stdout, ...; each is justified there), then the pom's {@code jvmOptions}. It stays a
 *       shell script: it runs for every start and delete, and must not cost a JVM itself.
 *   <li><b>lib/aot/NAME.aot</b>: the AOT cache (JEP 483/514), trained by running the launcher
 *       for real ({@link AotTraining}): with {@code training} {@code shim} (the default), a
 *       start as containerd makes one, then Connect and Shutdown to the daemon it spawned, whose
 *       recording becomes the cache. A {@code trainingMainClass} trains on more of the shim's
 *       life. It runs as {@code java -cp RUNTIME_CLASSPATH CLASS LAUNCHER WORK_DIR} (spares off,
 *       a private pool directory in its environment), starts the launcher with
 *       {@code SHIM4J_JAVA_OPTS="-XX:AOTMode=record -XX:AOTConfiguration=WORK_DIR/NAME-%p.aotconf"}
 *       ({@code %p}: each JVM records apart), plays containerd against the daemon, shuts it down,
 *       and prints the path of the configuration the daemon recorded on stdout, exit status 0.
 *       Status 2 means this machine cannot run it (the command then gets {@code shim} training);
 *       any other is a failure (likewise, with a warning). runc4j's is
 *       {@code dev.shim4j.dist.train.RuncTraining}. A command whose
 *       training fails keeps a launcher without a cache, with a warning.
 * </ol>
 *
 * Training starts shim processes as the user running the build, in a private temporary
 * directory, with spares off; they are all gone when the goal ends.
 */
@Mojo(name = "package", defaultPhase = LifecyclePhase.PACKAGE, requiresDependencyResolution = ResolutionScope.RUNTIME,
        threadSafe = true)
public class PackageMojo extends AbstractMojo {
    private static final Set<String> RUNTIME_SCOPES =
            Set.of(Artifact.SCOPE_COMPILE, Artifact.SCOPE_RUNTIME, Artifact.SCOPE_SYSTEM);

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /** The launchers to make (at least one). */
    @Parameter(required = true)
    private List<Command> commands;

    /** {@code train} (default) or {@code no-train}: whether to train the AOT caches. */
    @Parameter(property = "shim4j.aot", defaultValue = "train")
    private String aot;

    /**
     * Where the distribution goes, inside the build directory ({@code target/}): bin/ and lib/
     * under it are replaced.
     */
    @Parameter(property = "shim4j.outputDirectory", defaultValue = "${project.build.directory}/shim4j")
    private File outputDirectory;

    /** The JDK (25+) the launchers default to and the caches are trained with. */
    @Parameter(property = "shim4j.javaHome", defaultValue = "${java.home}")
    private File javaHome;

    /** The C compiler for shim4j-start; {@code $CC}, else {@code cc}, when unset. */
    @Parameter(property = "shim4j.cc")
    private String cc;

    /** Whether the project's own jar goes into lib/ (its shim classes usually live there). */
    @Parameter(defaultValue = "true")
    private boolean includeProjectJar;

    /** JVM options the launchers run with after jvm.options' (e.g. a larger -Xmx). */
    @Parameter
    private List<String> jvmOptions;

    /** Skips the goal. */
    @Parameter(property = "shim4j.skip", defaultValue = "false")
    private boolean skip;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("shim4j:package skipped");
            return;
        }
        boolean train = switch (aot) {
            case "train" -> true;
            case "no-train" -> false;
            default -> throw new MojoFailureException("shim4j.aot '" + aot + "': want train or no-train");
        };
        if (commands == null || commands.isEmpty()) {
            throw new MojoFailureException("shim4j:package needs <commands> with at least one <command>");
        }
        try {
            commands.forEach(Command::check);
            Path dist = outputDirectory.toPath().toAbsolutePath().normalize();
            Path build = Path.of(project.getBuild().getDirectory()).toAbsolutePath().normalize();
            if (!dist.startsWith(build) || dist.equals(build)) {
                // bin/ and lib/ under it are replaced: never a directory mvn clean would not remove.
                throw new MojoFailureException("outputDirectory " + dist + " must be a directory inside the build"
                        + " directory " + build);
            }
            Path bin = dist.resolve("bin");
            Path lib = dist.resolve("lib");
            Path aotDir = lib.resolve("aot");
            WorkDir.remove(bin, getLog());
            WorkDir.remove(lib, getLog());
            Files.createDirectories(bin);
            Files.createDirectories(aotDir);

            LibJars jars = LibJars.copy(LibJars.named(jarsToShip()), lib);
            for (Command command : commands) {
                if (!jars.holdsClass(command.mainClass())) {
                    throw new MojoFailureException("command " + command.name() + ": main class " + command.mainClass()
                            + " is in none of the jars of lib/ " + jars.names());
                }
            }
            List<String> options = JvmOptions.parse(LauncherFiles.text(LauncherFiles.JVM_OPTIONS), jvmOptions);

            StartProgram.compile(cc == null || cc.isBlank() ? StartProgram.defaultCompiler() : cc,
                    bin.resolve("shim4j-start"));
            getLog().info("bin/shim4j-start");
            String template = LauncherFiles.text(LauncherFiles.LAUNCHER_TEMPLATE);
            String jdk = javaHome.toPath().toAbsolutePath().toString();
            for (Command command : commands) {
                Path launcher = bin.resolve(command.name());
                Files.writeString(launcher, LauncherScript.render(template, command, jdk, jars.names(), options),
                        StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
                getLog().info("bin/" + command.name() + " -> " + command.mainClass());
            }

            if (!train) {
                getLog().info("AOT training skipped (shim4j.aot=no-train)");
                return;
            }
            var setup = new AotTraining.Setup(Path.of(jdk), bin, aotDir, options, jars.absoluteClasspath(),
                    String.join(File.pathSeparator, project.getRuntimeClasspathElements()), getLog());
            try (AotTraining training = AotTraining.open(setup)) {
                training.trainAll(commands);
            }
        } catch (IllegalArgumentException e) {
            throw new MojoFailureException(e.getMessage(), e);
        } catch (MojoFailureException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("interrupted", e);
        } catch (Exception e) {
            throw new MojoExecutionException("shim4j:package failed: " + e.getMessage(), e);
        }
    }

    /** The project's jar (unless left out) and its runtime dependencies' jars. */
    private List<LibJars.JarArtifact> jarsToShip() throws MojoFailureException {
        var jars = new ArrayList<LibJars.JarArtifact>();
        if (includeProjectJar) {
            jars.add(jar(project.getArtifact(), "the project's jar (run the package phase, not the goal alone)"));
        }
        for (Artifact a : project.getArtifacts()) {
            if (RUNTIME_SCOPES.contains(a.getScope()) && a.getArtifactHandler().isAddedToClasspath()) {
                jars.add(jar(a, a.toString()));
            }
        }
        return jars;
    }

    private static LibJars.JarArtifact jar(Artifact a, String what) throws MojoFailureException {
        File file = a.getFile();
        if (file == null || !file.isFile() || !file.getName().endsWith(".jar")) {
            throw new MojoFailureException("no jar for " + what + ": " + file);
        }
        return new LibJars.JarArtifact(a.getGroupId(), a.getArtifactId(), a.getBaseVersion(), a.getClassifier(),
                file.toPath());
    }
}
