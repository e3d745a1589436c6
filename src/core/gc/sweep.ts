/**
 * The GC tuning sweep: one target (a benchmark, a test, or a main package with arguments) run
 * in lab containers over a grid of container memory limits x GOGC x GOMEMLIMIT, each
 * configuration repeated, one run at a time; every run measured from its cgroup and gctrace
 * (measure.ts), then summarised and judged (recommend.ts). Shared by the extension's command
 * and `golab gc-sweep`.
 *
 * Build once: the target is compiled in a first container into a per-sweep folder on the lab's
 * build-cache volume (the only writable place that outlives a container), and every measured
 * run executes that binary directly. Running `go test` in each container would put the go
 * command and the linker (hundreds of MiB) into the very cgroup whose peak memory is measured,
 * and their CPU into its CPU time. The folder is removed when the sweep ends, however it ends.
 */
import { randomUUID } from 'crypto';
import * as path from 'path';
import type { GcConfig, GcRunMetrics, GcSweepResult } from '../../shared/gc';
import { formatBytes, parseByteSize } from '../config';
import type { DockerConnection } from '../lab/docker';
import { LabCancelledError, LabError } from '../lab/errors';
import { ensureImage, type LabSettings } from '../lab/goTest';
import { GOCACHE_PATH, runInLab } from '../lab/runner';
import type { LabProgress, LabRunResult } from '../lab/types';
import { measuredCommand, runMetrics, withoutMeasureLine } from './measure';
import { configEnv, recommend, summarise } from './recommend';

/** What runs in each container. */
export type GcTarget =
  /** Benchmarks matching `pattern` (`-test.run ^$ -test.bench pattern -test.benchmem`). */
  | { kind: 'bench'; pattern: string; benchtime?: string }
  /** Tests matching `pattern`. */
  | { kind: 'test'; pattern: string }
  /** The package's main program with `args`. */
  | { kind: 'main'; args: string[] };

export interface GcSweepRequest {
  /** Directory mounted into the lab (a workspace folder). */
  workspace: string;
  /** The module root (inside the workspace) the build runs in. */
  cwd: string;
  /** The package relative to cwd: `.`, `./cmd/server`. */
  pkg: string;
  target: GcTarget;
  /** Container memory limits to try, bytes (at least one). */
  memoryLimits: number[];
  /** GOGC values: percentages or 'off'. */
  gogc: Array<number | 'off'>;
  /** GOMEMLIMIT values as asked for: `none`, `70%` (of each container limit), `870MiB`. */
  memLimits: string[];
  /** Runs per configuration (default 3). */
  repeats?: number;
  /** CPUs, pids, network, image, per-run timeout; its memory limit is used for the build only. */
  lab: LabSettings;
  signal?: AbortSignal;
  /** Before each measured run: run `i` (1-based) of `n`, and its configuration. */
  onProgress?: (i: number, n: number, config: GcConfig) => void;
  /** Image build and compile steps. */
  onLabProgress?: (p: LabProgress) => void;
  /** The target's own output (build errors, test output), as it arrives. */
  onOutput?: (text: string) => void;
  /** Shown as the result's target; default made from the target. */
  label?: string;
}

/** The build of the target failed (or produced nothing to run); `log` is the go command's output. */
export class GcBuildError extends LabError {
  constructor(
    readonly log: string,
    options?: { cause?: unknown },
  ) {
    super(`Building the sweep's target in the lab failed:\n${log.trim().split('\n').slice(-30).join('\n')}`, options);
  }
}

/** `100` -> 100, `off` -> 'off'; undefined for anything else (GOGC is a non-negative integer or off). */
export function parseGogc(text: string): number | 'off' | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off') return 'off';
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/**
 * Bytes of a GOMEMLIMIT value for a container limit: `none` -> 0, `70%` -> 70% of the
 * container limit (rounded down to a whole MiB, so it can be written back as `NNNMiB`),
 * `870MiB` / `1g` -> that size. Undefined when it is none of these.
 */
export function memLimitBytes(label: string, containerBytes: number): number | undefined {
  const t = label.trim();
  if (t.toLowerCase() === 'none') return 0;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) {
    const f = Number(pct[1]) / 100;
    if (f <= 0 || containerBytes <= 0) return undefined;
    return Math.max(1, Math.floor((f * containerBytes) / (1024 * 1024))) * 1024 * 1024;
  }
  return parseByteSize(t);
}

/**
 * The grid, in the order it is listed: container limit, then GOGC, then GOMEMLIMIT. With
 * `withBaseline` (default) GOGC=100 without a limit is added first under each container limit
 * when the lists leave it out: the recommendation is measured against it.
 */
export function buildGrid(memoryLimits: readonly number[], gogc: ReadonlyArray<number | 'off'>, memLimits: readonly string[], withBaseline = true): GcConfig[] {
  const grid: GcConfig[] = [];
  for (const containerMemoryBytes of memoryLimits) {
    const hasBaseline = gogc.includes(100) && memLimits.some((l) => l.trim().toLowerCase() === 'none');
    if (withBaseline && !hasBaseline) grid.push({ gogc: 100, memLimitBytes: 0, memLimitLabel: 'none', containerMemoryBytes });
    for (const g of gogc) {
      for (const label of memLimits) {
        const bytes = memLimitBytes(label, containerMemoryBytes);
        if (bytes === undefined) throw new Error(`GOMEMLIMIT value "${label}" is not none, a percentage or a size`);
        grid.push({ gogc: g, memLimitBytes: bytes, memLimitLabel: label.trim().toLowerCase() === 'none' ? 'none' : label.trim(), containerMemoryBytes });
      }
    }
  }
  return grid;
}

/** `GOGC=200 GOMEMLIMIT=85% (870MiB), 1 GiB` for progress lines. */
export function describeConfig(c: GcConfig, withContainer = true): string {
  const env = configEnv(c);
  const lim = c.memLimitBytes === 0 ? 'none' : c.memLimitLabel === env.GOMEMLIMIT ? c.memLimitLabel : `${c.memLimitLabel} (${env.GOMEMLIMIT})`;
  return `GOGC=${c.gogc} GOMEMLIMIT=${lim}${withContainer ? `, container ${formatBytes(c.containerMemoryBytes)}` : ''}`;
}

function defaultLabel(req: GcSweepRequest): string {
  const pkg = req.pkg === '.' ? '.' : req.pkg;
  switch (req.target.kind) {
    case 'bench':
      return `benchmarks ${req.target.pattern} in ${pkg}`;
    case 'test':
      return `tests ${req.target.pattern} in ${pkg}`;
    case 'main':
      return [pkg, ...req.target.args].join(' ');
  }
}

/** Where the sweep's binary lives in every container (the build-cache volume). */
function binDirOf(sweepId: string): string {
  return `${GOCACHE_PATH}/golab-gc/${sweepId}`;
}

/** Command line of a measured run of the built binary. */
export function targetArgs(target: GcTarget): string[] {
  switch (target.kind) {
    case 'bench':
      return ['-test.run', '^$', '-test.bench', target.pattern, '-test.benchmem', ...(target.benchtime ? ['-test.benchtime', target.benchtime] : [])];
    case 'test':
      return ['-test.run', target.pattern];
    case 'main':
      return target.args;
  }
}

/**
 * Runs the sweep and resolves with every configuration's runs, stats and the recommendation.
 * Rejects with LabCancelledError when `signal` aborts (the running container is removed), with
 * GcBuildError when the target does not build, and with the lab's errors for Docker problems.
 */
export async function runGcSweep(conn: DockerConnection, req: GcSweepRequest): Promise<GcSweepResult> {
  if (req.memoryLimits.length === 0 || req.gogc.length === 0 || req.memLimits.length === 0) throw new Error('the sweep grid is empty');
  const repeats = Math.max(1, Math.floor(req.repeats ?? 3));
  const grid = buildGrid(req.memoryLimits, req.gogc, req.memLimits);
  const workspace = path.resolve(req.workspace);
  const moduleDir = path.relative(workspace, path.resolve(req.cwd)) || '.';
  const pkgDir = path.join(moduleDir, req.pkg);
  const image = await ensureImage(conn, req.lab.image, req.onLabProgress, req.signal);

  const sweepId = randomUUID().replace(/-/g, '').slice(0, 12);
  const binDir = binDirOf(sweepId);
  const bin = `${binDir}/${req.target.kind === 'main' ? 'prog' : 'pkg.test'}`;
  // The build gets at least 1 GiB whatever the sweep's limits: the compiler's memory is not
  // what is being tuned, and a 256m sweep must not fail to compile.
  const buildLimits = { ...req.lab.limits, memoryBytes: req.lab.limits.memoryBytes === 0 ? 0 : Math.max(req.lab.limits.memoryBytes, ...req.memoryLimits, 1024 ** 3) };
  const runs = new Map<GcConfig, GcRunMetrics[]>(grid.map((c) => [c, []]));
  let goVersion: string | undefined;
  try {
    req.onLabProgress?.({ message: `Building ${req.pkg} in the lab` });
    const build = [
      `mkdir -p ${binDir}`,
      'go version',
      req.target.kind === 'main' ? `go build -o ${bin} "$1"` : `go test -c -o ${bin} "$1"`,
      // `go test -c` on a package without test files succeeds and writes nothing.
      `[ -x ${bin} ] || { echo "golab: $1 has no test files to run" >&2; exit 3; }`,
    ].join(' && ');
    const built = await runInLab(conn.docker, image, {
      cmd: ['sh', '-c', build, 'sh', req.pkg],
      workspace,
      cwd: moduleDir,
      limits: buildLimits,
      network: req.lab.network,
      timeoutMs: req.lab.timeoutMs,
      signal: req.signal,
      onStderr: req.onOutput,
    });
    goVersion = /go version (go\S+)/.exec(built.stdout)?.[1];
    if (built.exitCode !== 0) throw new GcBuildError(built.stderr + built.stdout);

    const n = grid.length * repeats;
    let i = 0;
    // Repeat-major order: a drift of the machine (another job, thermal throttling) then spreads
    // over every configuration instead of falling on the ones that happened to run last.
    for (let r = 0; r < repeats; r++) {
      for (const config of grid) {
        i++;
        req.onProgress?.(i, n, config);
        const lab: LabRunResult = await runInLab(conn.docker, image, {
          cmd: measuredCommand([bin, ...targetArgs(req.target)]),
          env: { GODEBUG: 'gctrace=1', ...configEnv(config) },
          workspace,
          // Tests read their testdata relative to the package directory, as under go test.
          cwd: pkgDir,
          limits: { ...req.lab.limits, memoryBytes: config.containerMemoryBytes },
          network: req.lab.network,
          timeoutMs: req.lab.timeoutMs,
          signal: req.signal,
        });
        const metrics = runMetrics(lab);
        if (!metrics.oomKilled && metrics.exitCode !== 0) {
          req.onOutput?.(`golab: run ${i}/${n} (${describeConfig(config)}) exited with ${metrics.exitCode}${lab.timedOut ? ' (timed out)' : ''}:\n${lab.stdout}${withoutMeasureLine(lab.stderr).split('\n').filter((l) => !/^gc \d+ @/.test(l)).join('\n')}`);
        }
        runs.get(config)?.push(metrics);
      }
    }
  } finally {
    await removeBinDir(conn, image, workspace, binDir);
  }

  const configs = summarise(grid.map((config) => ({ config, runs: runs.get(config) ?? [] })));
  return {
    target: req.label ?? defaultLabel(req),
    cpus: req.lab.limits.cpus,
    repeats,
    configs,
    recommendation: recommend(configs),
    createdAt: new Date().toISOString(),
    ...(goVersion ? { goVersion } : {}),
  };
}

/**
 * Removes the sweep's binary from the build-cache volume. Runs even after a cancel (without
 * the aborted signal, or it would not start); a failure only leaves a few MiB in the cache
 * volume, which `go clean -cache` or removing the volume clears, so it is not an error.
 */
async function removeBinDir(conn: DockerConnection, image: string, workspace: string, binDir: string): Promise<void> {
  try {
    await runInLab(conn.docker, image, { cmd: ['rm', '-rf', binDir], workspace, limits: { memoryBytes: 64 * 1024 * 1024, cpus: 1, pids: 16 }, timeoutMs: 30_000 });
  } catch (e) {
    if (e instanceof LabCancelledError) return;
  }
}
