package dev.shim4j.shim.event;

/**
 * The topics of containerd's task events, as a shim publishes them ({@link Publisher#publish}).
 * containerd expects them per task in the protocol's order: {@link #CREATE} after Create,
 * {@link #START} after Start, {@link #EXIT} when the process exits (never before its start),
 * {@link #DELETE} after Delete; the others where a shim does what they name.
 */
public final class TaskTopics {
  /** A task was created ({@code containerd.events.TaskCreate}). */
  public static final String CREATE = "/tasks/create";
  /** A task's process was started ({@code containerd.events.TaskStart}). */
  public static final String START = "/tasks/start";
  /** A task's process or an exec exited ({@code containerd.events.TaskExit}). */
  public static final String EXIT = "/tasks/exit";
  /** A task was deleted ({@code containerd.events.TaskDelete}). */
  public static final String DELETE = "/tasks/delete";
  /** A task's cgroup hit its memory limit ({@code containerd.events.TaskOOM}). */
  public static final String OOM = "/tasks/oom";
  /** An exec was added to a task ({@code containerd.events.TaskExecAdded}). */
  public static final String EXEC_ADDED = "/tasks/exec-added";
  /** An exec's process was started ({@code containerd.events.TaskExecStarted}). */
  public static final String EXEC_STARTED = "/tasks/exec-started";
  /** A task was paused ({@code containerd.events.TaskPaused}). */
  public static final String PAUSED = "/tasks/paused";
  /** A task was resumed ({@code containerd.events.TaskResumed}). */
  public static final String RESUMED = "/tasks/resumed";
  /** A task was checkpointed ({@code containerd.events.TaskCheckpointed}). */
  public static final String CHECKPOINTED = "/tasks/checkpointed";

  private TaskTopics() {}
}
