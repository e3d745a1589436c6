/**
 * `golab gc-sweep`: runs a benchmark, a test or a main package in lab containers over a grid
 * of container memory limits x GOGC x GOMEMLIMIT, and prints a table of the configurations
 * (median ± spread), the baseline and Pareto front marked, OOM kills flagged, and the
 * recommendation; `--format json` prints the whole result (the shape the report view loads).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_DEFAULTS, formatBytes, parseByteSize } from '../core/config';
import { sweepToCsv, sweepToJson } from '../core/gc/export';
import { costMetric } from '../core/gc/recommend';
import { describeConfig, GcBuildError, type GcTarget, memLimitBytes, parseGogc, runGcSweep } from '../core/gc/sweep';
import { connectDocker } from '../core/lab/docker';
import { LabCancelledError, LabError } from '../core/lab/errors';
import { findModuleRoot } from '../core/lab/goTest';
import type { GcConfigResult, GcSweepResult, Stat } from '../shared/gc';
import type { CommandContext, CommandResult } from './check';
import { EXIT, InputError, UsageError } from './errors';
import { parseCommandArgs } from './args';
import { interruptibleRun, LAB_OPTIONS, labSettingsFrom } from './labFlags';

const DEFAULT_GOGC = '50,100,200,off';
const DEFAULT_MEMLIMIT = 'none,70%,90%';

export function gcSweepHelp(): string {
  const d = CONFIG_DEFAULTS.lab;
  return `Usage: golab gc-sweep [package] (--bench REGEX | --test REGEX | -- ARGS...) [flags]

Runs one target in the lab container under every combination of container memory limit,
GOGC and GOMEMLIMIT, each repeated, one run at a time; measures from the container's cgroup
(CPU time, peak memory, OOM kills) and from GODEBUG=gctrace=1 (GC cycles, pauses, GC CPU,
GOMAXPROCS), and recommends a setting against the default (GOGC=100, no GOMEMLIMIT).

Target (one of):
  --bench REGEX          the benchmarks matching REGEX (compared by ns/op)
  --test REGEX           the tests matching REGEX
  -- ARGS...             the package's main program, with ARGS

Flags:
  --benchtime T          go test -benchtime for --bench, e.g. 2s or 500x
  --memory LIST          container memory limits, e.g. 512m or 512m,1g (default ${d.memory})
  --cpus N               CPUs for the container (default ${d.cpus})
  --pids N               process/thread limit (default ${d.pids})
  --gogc LIST            GOGC values, numbers or off (default ${DEFAULT_GOGC})
  --memlimit LIST        GOMEMLIMIT values: none, a percentage of the container limit
                         (70%) or a size (870MiB) (default ${DEFAULT_MEMLIMIT})
  --repeat N             runs per configuration (default 3)
  --timeout MINUTES      limit of each run (default ${d.timeoutMinutes})
  --csv FILE             also write the table as CSV to FILE
  --network              allow network access (module downloads)
  --base-image IMAGE     base of the lab image: a registry image, "auto" (default) or "local"
  --format text|json     text: the table and the recommendation; json: every configuration
                         with its runs, median and spread of each metric, OOM count, and the
                         recommendation with its reason
  -h, --help             this help

GOGC=100 without GOMEMLIMIT is always measured: it is the baseline.
Exit status: 0 sweep done, 1 some runs failed without an OOM kill (left out of the figures),
2 error (Docker unavailable, build failure, bad flags), 130 interrupted.
`;
}

function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** `12.3 ± 0.4`: median and spread with the precision the median's size warrants. */
function fmtStat(s: Stat | undefined, scale = 1, digits?: number): string {
  if (!s) return '-';
  const m = s.median / scale;
  const d = digits ?? (Math.abs(m) >= 100 ? 0 : Math.abs(m) >= 10 ? 1 : 2);
  return s.spread > 0 ? `${m.toFixed(d)} ± ${(s.spread / scale).toFixed(d)}` : m.toFixed(d);
}

/** The text table of a sweep result. */
export function renderSweepText(result: GcSweepResult): string {
  const metric = costMetric(result.configs);
  const several = new Set(result.configs.map((c) => c.config.containerMemoryBytes)).size > 1;
  const header = [
    ...(several ? ['container'] : []),
    'GOGC',
    'GOMEMLIMIT',
    ...(metric === 'nsPerOp' ? ['ns/op'] : []),
    'CPU ms',
    'wall ms',
    'peak MiB',
    'GCs',
    'pause ms',
    'max pause ms',
    'GC CPU %',
    'P',
    'OOM',
    '',
  ];
  const row = (c: GcConfigResult): string[] => {
    const s = c.stats;
    const marks = [c.baseline ? 'baseline' : '', c.pareto ? 'pareto' : '', c.ooms > 0 ? 'OOM-KILLED' : ''].filter(Boolean).join(' ');
    const procs = [...new Set(c.runs.map((r) => r.gomaxprocs).filter((p) => p !== undefined))].join('/');
    const lim = c.config.memLimitBytes === 0 ? 'none' : describeConfig(c.config, false).replace(/^GOGC=\S+ GOMEMLIMIT=/, '');
    return [
      ...(several ? [formatBytes(c.config.containerMemoryBytes)] : []),
      String(c.config.gogc),
      lim,
      ...(metric === 'nsPerOp' ? [fmtStat(s.nsPerOp, 1, 0)] : []),
      fmtStat(s.cpuMs, 1, 0),
      fmtStat(s.wallMs, 1, 0),
      fmtStat(s.peakBytes, 1024 * 1024, 0),
      fmtStat(s.gcCycles, 1, 0),
      fmtStat(s.gcPauseTotalMs),
      fmtStat(s.gcPauseMaxMs),
      fmtStat(s.gcCpuFraction ? { median: s.gcCpuFraction.median * 100, spread: s.gcCpuFraction.spread * 100 } : undefined, 1, 0),
      procs || '-',
      `${c.ooms}/${c.runs.length}`,
      marks,
    ];
  };
  const rows = [header, ...result.configs.map(row)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
  const limits = [...new Set(result.configs.map((c) => formatBytes(c.config.containerMemoryBytes)))].join(', ');
  const title = `GC sweep of ${result.target}: ${result.goVersion ?? 'Go'}, ${limits}, ${result.cpus} CPU${result.cpus === 1 ? '' : 's'}, ${result.repeats} run${result.repeats === 1 ? '' : 's'} per configuration (median ± spread)`;
  const rec = result.recommendation;
  const apply = rec.kind === 'recommend' && rec.env ? `\nApply: ${Object.entries(rec.env).map(([k, v]) => `${k}=${v}`).join(' ')}\n` : '';
  return `${title}\n\n${lines.join('\n')}\n\nRecommendation (${rec.kind}): ${rec.reason}\n${apply}`;
}

export async function runGcSweepCommand(argv: readonly string[], ctx: CommandContext): Promise<CommandResult> {
  // Everything after `--` is the program's own command line, never golab's flags.
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const progArgs = dash >= 0 ? argv.slice(dash + 1) : undefined;
  const parsed = parseCommandArgs('gc-sweep', {
    args: [...own],
    allowPositionals: true,
    options: {
      test: { type: 'string' },
      bench: { type: 'string' },
      benchtime: { type: 'string' },
      gogc: { type: 'string', default: DEFAULT_GOGC },
      memlimit: { type: 'string', default: DEFAULT_MEMLIMIT },
      repeat: { type: 'string', default: '3' },
      timeout: { type: 'string' },
      csv: { type: 'string' },
      ...LAB_OPTIONS,
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return { exitCode: EXIT.ok, stdout: gcSweepHelp() };
  const d = CONFIG_DEFAULTS.lab;
  if (v.format !== 'text' && v.format !== 'json') throw new UsageError(`--format must be text or json, got "${v.format}"`, 'gc-sweep');
  const targets = [v.bench !== undefined, v.test !== undefined, progArgs !== undefined].filter(Boolean).length;
  if (targets !== 1) throw new UsageError('choose one target: --bench REGEX, --test REGEX, or -- ARGS for a main package', 'gc-sweep');
  if (v.benchtime && v.bench === undefined) throw new UsageError('--benchtime goes with --bench', 'gc-sweep');
  if (parsed.positionals.length > 1) throw new UsageError('gc-sweep takes one package: one program is tuned at a time', 'gc-sweep');
  const target: GcTarget =
    v.bench !== undefined
      ? { kind: 'bench', pattern: v.bench, ...(v.benchtime ? { benchtime: v.benchtime } : {}) }
      : v.test !== undefined
        ? { kind: 'test', pattern: v.test }
        : { kind: 'main', args: progArgs ?? [] };

  const memoryTexts = list(v.memory ?? d.memory);
  const memoryLimits = memoryTexts.map((m) => parseByteSize(m));
  if (memoryLimits.length === 0 || memoryLimits.some((m) => m === undefined)) throw new UsageError(`--memory wants sizes like 512m or 512m,1g, got "${v.memory}"`, 'gc-sweep');
  const gogc = list(v.gogc).map(parseGogc);
  if (gogc.length === 0 || gogc.some((g) => g === undefined)) throw new UsageError(`--gogc wants numbers or off, like 50,100,200,off, got "${v.gogc}"`, 'gc-sweep');
  const memLimits = list(v.memlimit);
  for (const m of memLimits) {
    if (memLimitBytes(m, 1024 ** 3) === undefined) throw new UsageError(`--memlimit wants none, percentages (70%) or sizes (870MiB), got "${m}"`, 'gc-sweep');
  }
  if (memLimits.length === 0) throw new UsageError('--memlimit is empty: use none for no GOMEMLIMIT', 'gc-sweep');
  const repeats = Number(v.repeat);
  if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError(`--repeat wants a positive integer, got "${v.repeat}"`, 'gc-sweep');
  const timeoutMin = Number(v.timeout ?? d.timeoutMinutes);
  if (!Number.isFinite(timeoutMin) || timeoutMin <= 0) throw new UsageError(`--timeout wants minutes, got "${v.timeout}"`, 'gc-sweep');
  // The first limit stands for the lab's own (validated the usual way); the sweep sets each run's.
  const settings = labSettingsFrom({ ...v, memory: memoryTexts[0] }, ctx, 'gc-sweep', timeoutMin * 60_000);

  const moduleRoot = findModuleRoot(ctx.cwd, path.parse(ctx.cwd).root);
  if (!moduleRoot) throw new InputError(`no go.mod in ${ctx.cwd} or above it: run golab gc-sweep inside a Go module`);
  const pkgArg = parsed.positionals[0] ?? '.';
  const pkgDir = path.resolve(ctx.cwd, pkgArg);
  if (!fs.existsSync(pkgDir) || !fs.statSync(pkgDir).isDirectory()) throw new InputError(`${pkgArg}: no such package directory`);
  const rel = path.relative(moduleRoot, pkgDir).split(path.sep).join('/');
  if (rel.startsWith('..')) throw new InputError(`${pkgArg} is outside the module at ${moduleRoot}`);

  const interrupt = interruptibleRun(ctx);
  const progress = (message: string) => ctx.stderr?.(`golab: ${message}\n`);
  let result: GcSweepResult;
  try {
    const conn = await connectDocker({ env: ctx.env });
    const run = runGcSweep(conn, {
      workspace: moduleRoot,
      cwd: moduleRoot,
      pkg: rel ? `./${rel}` : '.',
      target,
      memoryLimits: memoryLimits as number[],
      gogc: gogc as Array<number | 'off'>,
      memLimits,
      repeats,
      lab: settings,
      signal: interrupt.signal,
      onLabProgress: (p) => progress(p.message),
      onProgress: (i, n, config) => progress(`config ${i}/${n}: ${describeConfig(config)}`),
      onOutput: (t) => ctx.stderr?.(t),
    });
    result = await interrupt.track(run);
  } catch (e) {
    if (e instanceof LabCancelledError) return { exitCode: EXIT.interrupted, stdout: '' };
    if (e instanceof GcBuildError || e instanceof LabError) throw new InputError(e.message);
    throw e;
  } finally {
    interrupt.done();
  }
  const trailer: string[] = [];
  if (v.csv) {
    fs.writeFileSync(path.resolve(ctx.cwd, v.csv), sweepToCsv(result));
    trailer.push(`golab: CSV written to ${v.csv}\n`);
  }
  // A run that failed on its own (test failure, crash, timeout) measured something else than
  // the workload: its figures are left out, and the exit status says the sweep is incomplete.
  const failed = result.configs.reduce((n, c) => n + c.runs.filter((r) => !r.oomKilled && r.exitCode !== 0).length, 0);
  if (failed > 0) trailer.push(`golab: ${failed} run(s) failed without an OOM kill (output above); their figures are left out\n`);
  return {
    exitCode: failed > 0 ? EXIT.findings : EXIT.ok,
    stdout: v.format === 'json' ? sweepToJson(result) : renderSweepText(result),
    ...(trailer.length > 0 ? { trailer: trailer.join('') } : {}),
  };
}
