package dev.shim4j.runc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** criu options shared by {@code runc checkpoint} and {@code runc restore}. */
public final class CheckpointOptions {
  Path imagePath;
  Path workPath;
  Path parentPath;
  boolean leaveRunning;
  boolean tcpEstablished;
  boolean externalUnixSockets;
  boolean shellJob;
  boolean fileLocks;
  boolean preDump;
  String manageCgroupsMode;
  final List<String> emptyNamespaces = new ArrayList<>();

  public static CheckpointOptions create() {
    return new CheckpointOptions();
  }

  /** Where criu writes (checkpoint) or reads (restore) its image files. */
  public CheckpointOptions imagePath(Path p) {
    this.imagePath = p;
    return this;
  }

  /** Where criu puts its logs and work files (criu's dump.log/restore.log land here). */
  public CheckpointOptions workPath(Path p) {
    this.workPath = p;
    return this;
  }

  /** Images of a previous pre-dump (checkpoint only). */
  public CheckpointOptions parentPath(Path p) {
    this.parentPath = p;
    return this;
  }

  /** Keep the container running after the checkpoint (checkpoint only). */
  public CheckpointOptions leaveRunning(boolean b) {
    this.leaveRunning = b;
    return this;
  }

  public CheckpointOptions tcpEstablished(boolean b) {
    this.tcpEstablished = b;
    return this;
  }

  public CheckpointOptions externalUnixSockets(boolean b) {
    this.externalUnixSockets = b;
    return this;
  }

  public CheckpointOptions shellJob(boolean b) {
    this.shellJob = b;
    return this;
  }

  public CheckpointOptions fileLocks(boolean b) {
    this.fileLocks = b;
    return this;
  }

  /** Dump memory only and leave the container running (checkpoint only). */
  public CheckpointOptions preDump(boolean b) {
    this.preDump = b;
    return this;
  }

  /** criu's cgroup mode: soft, full or strict; null for runc's default. */
  public CheckpointOptions manageCgroupsMode(String mode) {
    this.manageCgroupsMode = mode;
    return this;
  }

  /** Namespaces criu creates empty instead of restoring (e.g. "network"). */
  public CheckpointOptions emptyNamespace(String ns) {
    this.emptyNamespaces.add(ns);
    return this;
  }

  /** Arguments both subcommands understand. */
  List<String> commonArgs() {
    List<String> a = new ArrayList<>();
    if (imagePath != null) {
      a.add("--image-path");
      a.add(imagePath.toString());
    }
    if (workPath != null) {
      a.add("--work-path");
      a.add(workPath.toString());
    }
    if (tcpEstablished) {
      a.add("--tcp-established");
    }
    if (externalUnixSockets) {
      a.add("--ext-unix-sk");
    }
    if (shellJob) {
      a.add("--shell-job");
    }
    if (fileLocks) {
      a.add("--file-locks");
    }
    if (manageCgroupsMode != null && !manageCgroupsMode.isEmpty()) {
      a.add("--manage-cgroups-mode");
      a.add(manageCgroupsMode);
    }
    for (String ns : emptyNamespaces) {
      a.add("--empty-ns");
      a.add(ns);
    }
    return a;
  }

  List<String> checkpointArgs() {
    List<String> a = commonArgs();
    if (parentPath != null) {
      a.add("--parent-path");
      a.add(parentPath.toString());
    }
    if (leaveRunning) {
      a.add("--leave-running");
    }
    if (preDump) {
      a.add("--pre-dump");
    }
    return a;
  }
}
