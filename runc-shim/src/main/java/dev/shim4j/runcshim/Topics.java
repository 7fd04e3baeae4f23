package dev.shim4j.runcshim;

/** Event topics of containerd's task events (PROTOCOL.md §4). */
final class Topics {
  private Topics() {}

  static final String TASK_CREATE = "/tasks/create";
  static final String TASK_START = "/tasks/start";
  static final String TASK_DELETE = "/tasks/delete";
  static final String TASK_EXIT = "/tasks/exit";
  static final String TASK_OOM = "/tasks/oom";
  static final String TASK_EXEC_ADDED = "/tasks/exec-added";
  static final String TASK_EXEC_STARTED = "/tasks/exec-started";
  static final String TASK_PAUSED = "/tasks/paused";
  static final String TASK_RESUMED = "/tasks/resumed";
  static final String TASK_CHECKPOINTED = "/tasks/checkpointed";
}
