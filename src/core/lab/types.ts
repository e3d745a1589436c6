/**
 * The lab runner's public shapes: what a front door (extension, CLI, tests) asks for and gets
 * back. The runner itself (dockerode) lives beside this file; race, profiling and GC tuning
 * are built on these types.
 */

/** cgroup limits of a lab container (golab.lab.memory / cpus / pids). */
export interface LabLimits {
  /** Bytes; 0 = unlimited. */
  memoryBytes: number;
  /** CPUs (fractions allowed); 0 = unlimited. */
  cpus: number;
  /** Max processes/threads; 0 = unlimited. */
  pids: number;
}

/** Where the lab image comes from (golab.lab.baseImage). */
export interface LabImageOptions {
  /**
   * The base image of lab/Dockerfile (build argument BASE), e.g. `golang:1.26-bookworm` for
   * users with a registry, or the special value `local`: a base image made on this machine
   * from its own Go toolchain and Debian packages, for machines without a registry.
   */
  baseImage: string;
  /** Directory holding lab/Dockerfile (the extension's or repository's `lab/`). */
  labDir: string;
}

/** One run in the lab: an image, a command and its environment, under limits. */
export interface LabRunSpec {
  /** Command and arguments run in the container's working directory. */
  cmd: string[];
  env?: Record<string, string>;
  limits: LabLimits;
  /** Host directory mounted (read-only unless writable) as the working tree. */
  workspace: string;
  /** Working directory relative to the workspace (e.g. a package directory); default `.`. */
  cwd?: string;
  /** Mount the workspace read-write (default false: the lab never writes into it). */
  writable?: boolean;
  /** Allow network access (golab.lab.network); default false. */
  network?: boolean;
  /**
   * The host's Go module cache, mounted read-only as the lab's offline GOPROXY so modules the
   * host has build without network. Default: `go env GOMODCACHE` of the host; `false` = none.
   */
  hostModCache?: string | false;
  /** Kill and remove the container after this long; 0 = no timeout. */
  timeoutMs?: number;
  /** Container paths to copy back to the host after the run (getArchive), into `artifactsDir`. */
  artifacts?: string[];
  artifactsDir?: string;
  /** Live output, demultiplexed. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Cancellation: kills and removes the container, the run rejects with LabCancelledError. */
  signal?: AbortSignal;
  /**
   * A stop that keeps the results: the container's main process is sent SIGINT (a program
   * that handles it can write its output and exit), then SIGKILL after `stopGraceMs`; the run
   * resolves as usual, artifacts copied, with `stopped` set.
   */
  stop?: AbortSignal;
  /** How long a stopped run may take to exit before it is killed; default 10 s. */
  stopGraceMs?: number;
}

/** How a run ended. A run that started always resolves with this (errors are for setup). */
export interface LabRunResult {
  runId: string;
  exitCode: number;
  /** Set when the process was killed by a signal (exit code 128+n), e.g. `SIGKILL`. */
  signal?: string;
  /** The kernel's OOM killer stopped the container (cgroup memory limit reached). */
  oomKilled: boolean;
  timedOut: boolean;
  /** The run was stopped through `stop` (it may still have exited on its own first). */
  stopped?: boolean;
  stdout: string;
  stderr: string;
  /** Wall time of the container run (start to exit). */
  durationMs: number;
  /** Host paths of copied artifacts, by container path. */
  artifacts: Record<string, string>;
  /** The limits the container ran under (to report e.g. "OOM-killed at 256 MiB"). */
  limits: LabLimits;
}

/** Progress of a long lab step (image build, run), for a progress notification. */
export interface LabProgress {
  message: string;
  /** 0..100 when known. */
  percent?: number;
}
