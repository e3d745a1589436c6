/**
 * `golab profile`: CPU, heap, mutex and block profiles of a package's tests or benchmarks, or
 * of a main package run as a program with arguments (`--main -- args`), collected in the lab
 * container, written to a folder with a self-contained HTML flame graph
 * per profile; `--format json` also prints each profile's sample types and top functions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_DEFAULTS, formatBytes } from '../core/config';
import { connectDocker } from '../core/lab/docker';
import { LabCancelledError, LabError } from '../core/lab/errors';
import { findModuleRoot } from '../core/lab/goTest';
import { PROFILE_KINDS, type ProfileKind, type ProfileRunManifest, runProfile } from '../core/lab/profile';
import { GoParser } from '../core/analysis/parser';
import { buildProgramOverlay, harnessWatcher, NotAProgramError, runProfileMain } from '../core/lab/profileMain';
import { toHostPath } from '../core/lab/runner';
import type { LabRunResult } from '../core/lab/types';
import { decodeProfileAsync } from '../core/pprof/decode';
import { renderFlameHtml } from '../core/pprof/html';
import { buildFlameProfileAsync } from '../core/pprof/model';
import { topFunctions } from '../core/pprof/top';
import { buildFailed } from '../core/race/run';
import type { FlameProfile } from '../shared/flame';
import type { CommandContext, CommandResult } from './check';
import { EXIT, InputError, UsageError } from './errors';
import { parseCommandArgs } from './args';
import { interruptibleRun, LAB_OPTIONS, labSettingsFrom } from './labFlags';

export function profileHelp(): string {
  const d = CONFIG_DEFAULTS.lab;
  return `Usage: golab profile [package] [flags]
       golab profile [package] --main [flags] [-- program arguments]

Runs the tests or benchmarks of one package (default ".") in the lab container with
profiling on, and writes the profiles and one self-contained HTML flame graph per profile
(open it in any browser, offline) into the output folder.

With --main, the package is a program (package main): the lab builds it with a small harness
(go build -overlay; the workspace is not changed) that starts the profiles, calls its main
with the arguments after --, and writes the profiles when main returns or calls os.Exit, when
you press Ctrl+C (the program gets SIGINT; press it again to abandon the run), or shortly
before the time limit. A program ending any other way (log.Fatal, a panic, os.Exit in
another package) skips the write.

Flags:
  --test REGEX           profile the tests matching REGEX (go test -run)
  --bench REGEX          profile the benchmarks matching REGEX (go test -bench, -run ^$)
  --benchtime T          go test -benchtime, e.g. 2s or 1000x
  --main                 run the package as a program, with the arguments after --
  --kinds LIST           profiles to collect: cpu,heap,mutex,block (default cpu,heap)
  --out DIR              output folder (default .golab/profiles/<time> in the module)
  --memory SIZE          container memory limit, e.g. 512m, 1g (default ${d.memory})
  --cpus N               CPUs for the container (default ${d.cpus})
  --pids N               process/thread limit (default ${d.pids})
  --network              allow network access (module downloads)
  --base-image IMAGE     base of the lab image: a registry image, "auto" (default) or "local"
  --format text|json     text: where the files went; json: per profile its file, HTML page,
                         sample types and the top 20 functions by flat and by cumulative
                         value (name, file, line, value, percent) of its default sample type
  -h, --help             this help

Exit status: 0 profiles written (also of a program stopped with Ctrl+C), 1 tests failed or
the program exited non-zero (profiles of the run are still written), 2 error (Docker
unavailable, build failure, OOM kill, time limit, nothing written), 130 interrupted (also
Ctrl+C while the program is still being built: nothing is written).
`;
}

/** `path` relative to `cwd` when inside it (with / separators), else as it is. */
function shown(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

interface TopRow {
  name: string;
  file: string;
  line: number;
  value: number;
  percent: number;
}

function topJson(flame: FlameProfile, t: number, cwd: string, by: 'flat' | 'cum'): TopRow[] {
  const rows = topFunctions(flame, t).sort((a, b) => (by === 'flat' ? b.flat - a.flat || b.cum - a.cum : b.cum - a.cum || b.flat - a.flat));
  return rows.slice(0, 20).map((r) => ({
    name: r.name,
    file: r.file ? shown(cwd, r.file) : '',
    line: r.line,
    value: by === 'flat' ? r.flat : r.cum,
    percent: Math.round((by === 'flat' ? r.flatPercent : r.cumPercent) * 100) / 100,
  }));
}

export async function runProfileCommand(argv: readonly string[], ctx: CommandContext): Promise<CommandResult> {
  // Everything after `--` belongs to the program (--main), not to golab.
  const dashes = argv.indexOf('--');
  const programArgs = dashes === -1 ? [] : argv.slice(dashes + 1);
  const parsed = parseCommandArgs('profile', {
    args: dashes === -1 ? [...argv] : argv.slice(0, dashes),
    allowPositionals: true,
    options: {
      test: { type: 'string' },
      bench: { type: 'string' },
      benchtime: { type: 'string' },
      main: { type: 'boolean', default: false },
      kinds: { type: 'string', default: 'cpu,heap' },
      out: { type: 'string' },
      ...LAB_OPTIONS,
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return { exitCode: EXIT.ok, stdout: profileHelp() };
  const d = CONFIG_DEFAULTS.lab;
  if (v.format !== 'text' && v.format !== 'json') throw new UsageError(`--format must be text or json, got "${v.format}"`, 'profile');
  const kinds = (v.kinds ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(PROFILE_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || unknown.length > 0) throw new UsageError(`--kinds takes cpu, heap, mutex and block, got "${v.kinds}"`, 'profile');
  if (parsed.positionals.length > 1) throw new UsageError('profile takes one package: Go profiles one test binary at a time', 'profile');
  if (v.test && v.bench) throw new UsageError('--test and --bench together would mix both in one profile: choose one', 'profile');
  if (v.main && (v.test || v.bench || v.benchtime)) throw new UsageError('--main runs the program, not its tests: drop --test, --bench and --benchtime', 'profile');
  if (!v.main && dashes !== -1) throw new UsageError('arguments after -- are for a program: add --main to run the package as one', 'profile');
  const settings = labSettingsFrom(v, ctx, 'profile', d.timeoutMinutes * 60_000);

  const moduleRoot = findModuleRoot(ctx.cwd, path.parse(ctx.cwd).root);
  if (!moduleRoot) throw new InputError(`no go.mod in ${ctx.cwd} or above it: run golab profile inside a Go module`);
  const pkgArg = parsed.positionals[0] ?? '.';
  const pkgDir = path.resolve(ctx.cwd, pkgArg);
  if (!fs.existsSync(pkgDir) || !fs.statSync(pkgDir).isDirectory()) throw new InputError(`${pkgArg}: no such package directory`);
  const rel = path.relative(moduleRoot, pkgDir).split(path.sep).join('/');
  if (rel.startsWith('..')) throw new InputError(`${pkgArg} is outside the module at ${moduleRoot}`);

  if (v.main) {
    // Not a program: say so before waiting for Docker and the lab image.
    const parser = await GoParser.create();
    try {
      buildProgramOverlay(parser, pkgDir, kinds as ProfileKind[]);
    } catch (e) {
      if (e instanceof NotAProgramError) throw new InputError(e.message);
      throw e;
    } finally {
      parser.delete();
    }
  }

  const interrupt = interruptibleRun(ctx);
  const progress = (message: string) => ctx.stderr?.(`golab: ${message}\n`);
  const outDir = v.out ? path.resolve(ctx.cwd, v.out) : undefined;
  let result: { dir: string; manifest: ProfileRunManifest; lab: LabRunResult };
  /** Why the run did not build, if it did not (test build errors, or the program's). */
  let buildProblem: string | undefined;
  let failedTests = 0;
  try {
    const conn = await connectDocker({ env: ctx.env });
    const common = {
      workspace: moduleRoot,
      cwd: moduleRoot,
      pkg: rel ? `./${rel}` : '.',
      kinds: kinds as ProfileKind[],
      lab: settings,
      signal: interrupt.signal,
      onProgress: (p: { message: string }) => progress(p.message),
      onOutput: v.format === 'text' ? (t: string) => ctx.stderr?.(t) : harnessWatcher({ building: () => progress('building the program'), started: () => progress('the program runs with profiling on; Ctrl+C stops it and keeps its profiles') }),
      ...(outDir ? { outRoot: path.dirname(outDir) } : {}),
    };
    if (v.main) {
      // Ctrl+C stops the program and keeps its profiles (a server runs until stopped); a
      // second one abandons the run.
      const stop = new AbortController();
      const unStop = ctx.interrupt.onStop(() => stop.abort());
      let r: Awaited<ReturnType<typeof runProfileMain>>;
      try {
        r = await interrupt.track(runProfileMain(conn, { ...common, args: programArgs, stop: stop.signal }));
      } finally {
        unStop();
      }
      // Ctrl+C before the program ran ended its build: nothing to write, as for a cancel.
      if (r.stoppedInBuild) return { exitCode: EXIT.interrupted, stdout: '', trailer: 'golab: stopped during the build of the program: nothing was profiled\n' };
      result = r;
      // The go command's errors are on stderr (shown live in text mode): point at them.
      if (r.buildFailed) buildProblem = `the program did not build (see ${path.join(r.dir, 'output.txt')})`;
    } else {
      const r = await interrupt.track(
        runProfile(conn, {
          ...common,
          ...(v.bench ? { bench: v.bench, run: '^$' } : v.test ? { run: v.test } : {}),
          ...(v.benchtime ? { benchtime: v.benchtime } : {}),
          label: v.bench ?? v.test ?? `package ${rel || '.'}`,
        }),
      );
      result = r;
      if (buildFailed(r.run)) buildProblem = `the build failed:\n  ${r.run.buildErrors.join('\n  ')}`;
      failedTests = r.run.tests.filter((t) => t.action === 'fail' && t.test).length;
    }
  } catch (e) {
    if (e instanceof LabCancelledError) return { exitCode: EXIT.interrupted, stdout: '' };
    if (e instanceof LabError || e instanceof NotAProgramError) throw new InputError(e.message);
    throw e;
  } finally {
    interrupt.done();
  }
  // --out names the folder itself: move the run folder there.
  let dir = result.dir;
  if (outDir && dir !== outDir) {
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(dir, outDir);
    dir = outDir;
  }

  const assets = {
    script: fs.readFileSync(path.join(ctx.extensionRoot, 'dist', 'webview', 'flame.js'), 'utf8'),
    css: fs.readFileSync(path.join(ctx.extensionRoot, 'media', 'flame', 'flame.css'), 'utf8'),
  };
  const profiles: unknown[] = [];
  const written: string[] = [];
  for (const [kind, file] of Object.entries(result.manifest.profiles) as Array<[ProfileKind, string]>) {
    const full = path.join(dir, file);
    const flame = await buildFlameProfileAsync(await decodeProfileAsync(fs.readFileSync(full)), `${kind} · ${result.manifest.label}`);
    for (const f of flame.functions) if (f.file) f.file = toHostPath(f.file, moduleRoot) ?? f.file;
    const html = path.join(dir, `${kind}.html`);
    fs.writeFileSync(html, renderFlameHtml(flame, assets));
    written.push(full, html);
    const t = flame.defaultType;
    profiles.push({
      kind,
      file: shown(ctx.cwd, full),
      html: shown(ctx.cwd, html),
      sampleTypes: flame.sampleTypes,
      defaultSampleType: flame.sampleTypes[t]?.type ?? null,
      total: flame.tree.total[t]?.[0] ?? 0,
      topFlat: topJson(flame, t, ctx.cwd, 'flat'),
      topCum: topJson(flame, t, ctx.cwd, 'cum'),
    });
  }
  const { lab } = result;
  const problems: string[] = [];
  if (lab.oomKilled) problems.push(`the run was OOM-killed: it needed more than the ${formatBytes(lab.limits.memoryBytes)} memory limit`);
  if (lab.timedOut) problems.push('the run timed out');
  if (buildProblem) problems.push(buildProblem);
  if (profiles.length === 0) problems.push('no profile was written');
  const failed = failedTests;
  const exited = lab.stopped
    ? '; the program was stopped (Ctrl+C)'
    : v.main && lab.exitCode !== 0 && !buildProblem && !lab.oomKilled && !lab.timedOut
      ? `; the program exited with status ${lab.exitCode}`
      : '';
  const summary = `golab: ${profiles.length} profile(s) in ${shown(ctx.cwd, dir) || '.'}${failed > 0 ? `; ${failed} test(s) failed` : ''}${exited} (${(lab.durationMs / 1000).toFixed(1)} s in the lab)\n`;
  const stdout =
    v.format === 'json'
      ? `${JSON.stringify({ dir: shown(ctx.cwd, dir) || '.', exitCode: lab.exitCode, oomKilled: lab.oomKilled, timedOut: lab.timedOut, stopped: lab.stopped === true, profiles }, null, 2)}\n`
      : written.map((f) => `${shown(ctx.cwd, f)}\n`).join('');
  const broken = profiles.length === 0 || lab.oomKilled || lab.timedOut || buildProblem !== undefined;
  return { exitCode: broken ? EXIT.error : failed > 0 || (lab.exitCode !== 0 && !lab.stopped) ? EXIT.findings : EXIT.ok, stdout, trailer: `${problems.map((p) => `golab: ${p}\n`).join('')}${summary}` };
}
