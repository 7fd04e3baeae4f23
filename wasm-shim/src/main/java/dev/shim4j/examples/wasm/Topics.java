package dev.shim4j.examples.wasm;

/** Topics of the task events this shim publishes (PROTOCOL.md §4). */
final class Topics {
  private Topics() {}

  static final String TASK_CREATE = "/tasks/create";
  static final String TASK_START = "/tasks/start";
  static final String TASK_EXIT = "/tasks/exit";
  static final String TASK_DELETE = "/tasks/delete";
}
