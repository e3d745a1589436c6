/**
 * `golab race`: `go test -race` in the lab container (cgroup limits, no network by default),
 * with each race reported at both accesses in the user's code, as text or JSON.
 */
import * as path from 'path';
import { CONFIG_DEFAULTS, formatBytes } from '../core/config';
import { connectDocker } from '../core/lab/docker';
import { LabCancelledError, LabError } from '../core/lab/errors';
import { removeLeftovers } from '../core/lab/cleanup';
import type { RaceFinding } from '../core/race/findings';
import { buildFailed, findModuleRoot, type RaceResult, runRace } from '../core/race/run';
import type { CommandContext, CommandResult } from './check';
import { EXIT, InputError, UsageError } from './errors';
import { parseCommandArgs } from './args';
import { interruptibleRun, LAB_OPTIONS, labSettingsFrom } from './labFlags';

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];

export function raceHelp(): string {
  const d = CONFIG_DEFAULTS.lab;
  return `Usage: golab race [packages] [flags]

Runs "go test -race" on the packages (default ./...) inside the lab container: the module is
mounted read-only, with memory, CPU and process limits and no network, so the run behaves as
it will under those limits in production. Each data race is reported at both accesses in
your code, with where their goroutines were started.

Flags:
  --run REGEX            run only tests matching REGEX (go test -run)
  --memory SIZE          container memory limit, e.g. 512m, 1g (default ${d.memory})
  --cpus N               CPUs for the container (default ${d.cpus})
  --pids N               process/thread limit (default ${d.pids})
  --network              allow network access (module downloads); off by default, modules
                         then come from the host's module cache
  --base-image IMAGE     base of the lab image: a Go image from your registry, "auto"
                         (default) or "local" (built on this machine, no registry needed)
  --timeout DURATION     kill the run after DURATION, e.g. 90s, 10m (default ${d.timeoutMinutes}m)
  --format text|json     text: the test output on stderr as it runs, then one block per race
                         on stdout; json: {races, tests, buildErrors, oomKilled, ...} on stdout
  -h, --help             this help

The lab image is built on first use (Docker must be running; "local" also needs root and
debootstrap the first time) and reused until its inputs change.

Exit status: 0 no race and every test passed, 1 a race or a failing test, 2 error (Docker
unavailable, image build failed, bad flag, OOM kill or timeout), 130 interrupted (Ctrl+C;
the container is removed).
`;
}

/** `90s`, `10m`, `1h`, `1500ms` -> milliseconds. */
function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

function relative(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return (rel.startsWith('..') ? file : rel).split(path.sep).join('/');
}

function formatRaceText(findings: readonly RaceFinding[], cwd: string): string {
  // One block per race: both accesses, then where their goroutines started.
  const byRace = new Map<string, RaceFinding[]>();
  for (const f of findings) byRace.set(f.race, [...(byRace.get(f.race) ?? []), f]);
  const blocks: string[] = [];
  for (const list of byRace.values()) {
    const [first] = list;
    const lines = [`${relative(cwd, first.file)}:${first.line}: ${first.message}`];
    for (const r of first.related) lines.push(`    ${relative(cwd, r.file)}:${r.line}: ${r.message}`);
    blocks.push(lines.join('\n'));
  }
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '';
}

function jsonOf(result: RaceResult, cwd: string): unknown {
  const byRace = new Map<string, RaceFinding[]>();
  for (const f of result.findings) byRace.set(f.race, [...(byRace.get(f.race) ?? []), f]);
  return {
    command: result.command,
    exitCode: result.lab.exitCode,
    oomKilled: result.lab.oomKilled,
    timedOut: result.lab.timedOut,
    signal: result.lab.signal ?? null,
    limits: result.lab.limits,
    durationMs: Math.round(result.lab.durationMs),
    races: result.run.races.map((r) => ({
      test: r.test ?? null,
      package: r.package ?? null,
      accesses: [r.current, r.previous].map((a) => ({
        kind: a.kind,
        atomic: a.atomic,
        goroutine: a.goroutine,
        stack: a.stack.map((f) => ({ func: f.func, file: relative(cwd, f.file), line: f.line })),
      })),
      goroutines: r.goroutines.map((g) => ({ id: g.id, state: g.state, createdAt: g.createdAt.map((f) => ({ func: f.func, file: relative(cwd, f.file), line: f.line })) })),
    })),
    findings: result.findings.map((f) => ({
      file: relative(cwd, f.file),
      line: f.line,
      message: f.message,
      test: f.test ?? null,
      related: f.related.map((r) => ({ file: relative(cwd, r.file), line: r.line, message: r.message })),
    })),
    tests: result.run.tests.map((t) => ({ package: t.package, test: t.test ?? null, action: t.action, elapsedMs: t.elapsedMs ?? null })),
    buildErrors: result.run.buildErrors,
    panics: result.run.panics.map((p) => ({ package: p.package ?? null, test: p.test ?? null, message: p.message })),
    racesFound: byRace.size,
  };
}

export async function runRaceCommand(argv: readonly string[], ctx: CommandContext): Promise<CommandResult> {
  const parsed = parseCommandArgs('race', {
    args: [...argv],
    allowPositionals: true,
    options: {
      run: { type: 'string' },
      ...LAB_OPTIONS,
      timeout: { type: 'string' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return { exitCode: EXIT.ok, stdout: raceHelp() };
  const d = CONFIG_DEFAULTS.lab;
  if (!(FORMATS as readonly string[]).includes(v.format ?? '')) throw new UsageError(`--format must be text or json, got "${v.format}"`, 'race');
  const format = v.format as Format;
  const timeoutMs = v.timeout === undefined ? d.timeoutMinutes * 60_000 : parseDuration(v.timeout);
  if (timeoutMs === undefined) throw new UsageError(`--timeout wants a duration like 90s or 10m, got "${v.timeout}"`, 'race');

  const settings = labSettingsFrom(v, ctx, 'race', timeoutMs);
  const moduleRoot = findModuleRoot(ctx.cwd, path.parse(ctx.cwd).root);
  if (!moduleRoot) throw new InputError(`no go.mod in ${ctx.cwd} or above it: run golab race inside a Go module`);
  const packages = parsed.positionals.length > 0 ? parsed.positionals : ['./...'];

  const interrupt = interruptibleRun(ctx);
  const progress = (message: string) => ctx.stderr?.(`golab: ${message}\n`);
  let result: RaceResult;
  try {
    const conn = await connectDocker({ env: ctx.env });
    // Containers a killed golab left behind would otherwise hold memory forever.
    const removed = await removeLeftovers(conn.docker);
    if (removed > 0) progress(`removed ${removed} lab container(s) left by an earlier run`);
    const run = runRace(conn, {
      workspace: moduleRoot,
      cwd: ctx.cwd,
      packages,
      ...(v.run ? { run: v.run } : {}),
      lab: settings,
      signal: interrupt.signal,
      onProgress: (p) => progress(p.message),
      ...(format === 'text' ? { onOutput: (t: string) => ctx.stderr?.(t) } : {}),
    });
    result = await interrupt.track(run);
  } catch (e) {
    if (e instanceof LabCancelledError) return { exitCode: EXIT.interrupted, stdout: '' };
    if (e instanceof LabError) throw new InputError(e.message);
    throw e;
  } finally {
    interrupt.done();
  }

  const { lab } = result;
  const problems: string[] = [];
  if (lab.oomKilled) {
    problems.push(
      `the run was killed by the kernel's OOM killer: it needed more than the ${formatBytes(lab.limits.memoryBytes)} memory limit ` +
        `(try --memory ${formatBytes(lab.limits.memoryBytes * 2).replace(/ GiB/, 'g').replace(/ MiB/, 'm')})`,
    );
  } else if (lab.timedOut) problems.push(`the run was stopped after the ${Math.round(timeoutMs / 1000)} s timeout`);
  else if (lab.signal) problems.push(`go test was killed by ${lab.signal}`);
  if (result.run.buildErrors.length > 0) problems.push(`the build failed:\n  ${result.run.buildErrors.join('\n  ')}`);
  const races = new Set(result.findings.map((f) => f.race)).size || result.run.races.length;
  const failed = result.run.tests.filter((t) => t.action === 'fail' && t.test).length;
  const summary = `golab: ${races} data race${races === 1 ? '' : 's'}, ${failed} failing test${failed === 1 ? '' : 's'} (${(lab.durationMs / 1000).toFixed(1)} s in the lab, ${formatBytes(lab.limits.memoryBytes)}, ${lab.limits.cpus} CPU)\n`;
  const trailer = `${problems.map((p) => `golab: ${p}\n`).join('')}${summary}`;
  const stdout = format === 'json' ? `${JSON.stringify(jsonOf(result, ctx.cwd), null, 2)}\n` : formatRaceText(result.findings, ctx.cwd);
  const broken = lab.oomKilled || lab.timedOut || buildFailed(result.run);
  const exitCode = broken ? EXIT.error : races > 0 || failed > 0 || lab.exitCode !== 0 ? EXIT.findings : EXIT.ok;
  return { exitCode, stdout, trailer };
}
