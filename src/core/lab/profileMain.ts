/**
 * Profiling a Go program (a `main` package run with arguments) in the lab. A program has no
 * `-cpuprofile` flag, so the lab builds it with `go build -overlay`: the file declaring
 * `func main()` is replaced by a copy where main is renamed, and a generated harness file adds
 * a `main` that starts the profiles asked for, calls the program's own main and writes the
 * profiles where the test path writes them ({@link PROFILE_OUT}), so the run folder, manifest
 * and copy-back are those of {@link runProfile}. The workspace on disk is never changed: the
 * overlay files live under `.golab/overlays/` for the length of the run only.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GoParser, type Node, type Tree } from '../analysis/parser';
import { LabCancelledError } from './errors';
import { ensureImage } from './goTest';
import { FLAGS, keepProfiles, makeRunDir, PROFILE_OUT, PROFILES_DIR, type ProfileKind, type ProfileRequest, type ProfileRunManifest, writeRunFiles } from './profile';
import { runInLab, toContainerPath } from './runner';
import type { DockerConnection } from './docker';
import type { LabRunResult } from './types';

/** What the program's own `main` is renamed to in the lab build. */
export const RENAMED_MAIN = 'golabProfiledMain';
/** The harness function `os.Exit` calls are redirected to: it writes the profiles, then exits. */
export const PROFILE_EXIT = 'golabProfileExit';
/** The harness's file name in the package (an overlay-only file; a suffix is added if taken). */
export const HARNESS_FILE = 'golab_profile_main.go';
/** Environment variable carrying the Unix time (seconds) at which the harness stops the program. */
export const DEADLINE_ENV = 'GOLAB_PROFILE_DEADLINE';
/** Exit status of a program the harness stopped at the deadline (as coreutils `timeout`). */
export const DEADLINE_EXIT = 124;
/** Line the harness prints when it stopped the program at the deadline. */
export const DEADLINE_MESSAGE = 'golab: the time limit is near: profiles written, program stopped';
/**
 * Line the harness prints (stderr) once profiling runs: in the output the user sees the build
 * is over and how to end a program that would not end by itself.
 */
export const STARTED_MESSAGE = 'golab: the program runs with profiling on; stop it (Cancel, SIGINT) to keep the profiles so far';
/**
 * Line the lab prints when `go build` of the program starts: the user sees what the run is
 * doing before the program runs, and a stop from then on ends the build at once.
 */
export const BUILDING_MESSAGE = 'golab: building the program';
/**
 * An output sink that calls `on.building` and `on.started` (each once) when the lab's line that
 * the build starts and the harness's line that the program runs go by, for front doors that
 * show progress rather than the output. A line may arrive split across chunks: a tail of the
 * previous one is kept.
 */
export function harnessWatcher(on: { building?: () => void; started?: () => void }): (text: string) => void {
  const marks: Array<[string, (() => void) | undefined]> = [
    [BUILDING_MESSAGE, on.building],
    [STARTED_MESSAGE, on.started],
  ];
  const keep = Math.max(BUILDING_MESSAGE.length, STARTED_MESSAGE.length);
  let tail = '';
  return (text) => {
    if (marks.length === 0) return;
    const s = tail + text;
    for (let k = 0; k < marks.length; ) {
      if (!s.includes(marks[k][0])) {
        k++;
        continue;
      }
      marks[k][1]?.();
      marks.splice(k, 1);
    }
    tail = s.slice(-keep);
  };
}

/** Line the lab prints when `go build` of the program failed. */
export const BUILD_FAILED_MESSAGE = 'golab: the program did not build';
/** Where the program binary is built in the container (scratch space, not the read-only workspace). */
const BIN_DIR = '/tmp/golab-bin';

/** The package is not a `main` package, has no `func main`, or cannot be read. */
export class NotAProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAProgramError';
  }
}

/** One text replacement by string offsets. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The package name of a parsed file, or undefined without a package clause. */
export function packageName(tree: Tree): string | undefined {
  for (const child of tree.rootNode.namedChildren) {
    if (child?.type !== 'package_clause') continue;
    return child.namedChildren.find((c) => c?.type === 'package_identifier')?.text;
  }
  return undefined;
}

/** The name node of the file's top-level `func main()` (a function, not a method), if any. */
export function findMainFunction(tree: Tree): Node | undefined {
  for (const child of tree.rootNode.namedChildren) {
    if (child?.type !== 'function_declaration') continue;
    const name = child.childForFieldName('name');
    if (name?.text === 'main') return name;
  }
  return undefined;
}

/** The names the file imports "os" under (`os`, or its alias); `_` and `.` imports name nothing usable. */
export function osImportNames(tree: Tree): string[] {
  const names: string[] = [];
  for (const spec of tree.rootNode.descendantsOfType('import_spec')) {
    if (spec?.childForFieldName('path')?.text.replace(/["`]/g, '') !== 'os') continue;
    const alias = spec.childForFieldName('name');
    if (!alias) names.push('os');
    else if (alias.type === 'package_identifier') names.push(alias.text);
  }
  return names;
}

/** What {@link rewriteForProfile} did to a file. */
export interface ProfileRewrite {
  /** The file's text for the lab build (identical line numbers: only names on a line change). */
  text: string;
  /** Whether `func main` was renamed to {@link RENAMED_MAIN}. */
  renamedMain: boolean;
  /** How many `os.Exit` references now go to {@link PROFILE_EXIT}. */
  exits: number;
}

/**
 * Rewrites one file of a main package for the profiling build: `func main` becomes
 * {@link RENAMED_MAIN} and every `<os>.Exit` (under the name the file imports "os" as) becomes
 * {@link PROFILE_EXIT}, so a program ending through os.Exit still writes its profiles. Works on
 * the syntax tree, so `func main` or `os.Exit(` inside comments and strings are left alone.
 * A use of the "os" import is appended at the end of the file: a file whose only use of it was
 * os.Exit would otherwise no longer compile ("imported and not used").
 */
export function rewriteForProfile(text: string, tree: Tree): ProfileRewrite {
  const edits: Edit[] = [];
  const main = findMainFunction(tree);
  if (main) edits.push({ start: main.startIndex, end: main.endIndex, text: RENAMED_MAIN });
  const osNames = new Set(osImportNames(tree));
  let exits = 0;
  const keep = new Set<string>();
  if (osNames.size > 0) {
    for (const sel of tree.rootNode.descendantsOfType('selector_expression')) {
      const operand = sel?.childForFieldName('operand');
      const field = sel?.childForFieldName('field');
      if (!sel || operand?.type !== 'identifier' || !osNames.has(operand.text) || field?.text !== 'Exit') continue;
      edits.push({ start: sel.startIndex, end: sel.endIndex, text: PROFILE_EXIT });
      keep.add(operand.text);
      exits++;
    }
  }
  let out = applyEdits(text, edits);
  if (keep.size > 0) {
    const uses = [...keep].map((n) => `var _ = ${n}.Exit // keeps the import used after golab redirected ${n}.Exit\n`).join('');
    out += `${out.endsWith('\n') ? '' : '\n'}${uses}`;
  }
  return { text: out, renamedMain: main !== undefined, exits };
}

/**
 * The harness file: a `package main` whose `main` starts the profiles in `kinds`, runs the
 * program's renamed main and writes the profiles into `outDir` under the file names the test
 * path uses. It also writes them from {@link PROFILE_EXIT} (redirected os.Exit calls), on
 * SIGINT/SIGTERM (then exits 128+signal) and at the Unix time in {@link DEADLINE_ENV} (then
 * exits {@link DEADLINE_EXIT}). Its imports carry `golab` aliases because a file's import
 * names may not clash with the package's own top-level names.
 */
export function harnessSource(kinds: readonly ProfileKind[], outDir = PROFILE_OUT): string {
  const want = (k: ProfileKind) => kinds.includes(k);
  const lookups = (['heap', 'mutex', 'block'] as const).filter(want);
  const imports = [
    'golabos "os"',
    'golabsignal "os/signal"',
    ...(lookups.length > 0 ? ['golabruntime "runtime"'] : []),
    'golabpprof "runtime/pprof"',
    'golabstrconv "strconv"',
    'golabsync "sync"',
    'golabsyscall "syscall"',
    'golabtime "time"',
  ];
  const dir = JSON.stringify(outDir);
  const fileOf = (k: ProfileKind) => JSON.stringify(`${outDir}/${FLAGS[k].file}`);
  return `// Code generated by golab ("Profile Program in Container"). DO NOT EDIT.
// Only the lab's build of this program sees this file (go build -overlay): it starts the
// profiles, runs the program's own main (renamed ${RENAMED_MAIN}) and writes the profiles when
// main returns, os.Exit is called, SIGINT or SIGTERM arrives, or the lab's time limit is near.

package main

import (
${imports.map((i) => `\t${i}`).join('\n')}
)

var (
	golabProfileOnce golabsync.Once
	golabProfileCPU  *golabos.File
)

func main() {
	golabProfileStart()
	${RENAMED_MAIN}()
	golabProfileWrite()
}

// ${PROFILE_EXIT} stands in for os.Exit in the program's files: profiles first, then exit.
func ${PROFILE_EXIT}(code int) {
	golabProfileWrite()
	golabos.Exit(code)
}

func golabProfileWarn(err error) {
	_, _ = golabos.Stderr.WriteString("golab: profile: " + err.Error() + "\\n")
}

func golabProfileStart() {
	if err := golabos.MkdirAll(${dir}, 0o755); err != nil {
		golabProfileWarn(err)
	}
${want('mutex') ? '\tgolabruntime.SetMutexProfileFraction(1)\n' : ''}${want('block') ? '\tgolabruntime.SetBlockProfileRate(1)\n' : ''}${
    want('cpu')
      ? `	if f, err := golabos.Create(${fileOf('cpu')}); err != nil {
		golabProfileWarn(err)
	} else if err := golabpprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		golabProfileWarn(err)
	} else {
		golabProfileCPU = f
	}
`
      : ''
  }	signals := make(chan golabos.Signal, 1)
	golabsignal.Notify(signals, golabsyscall.SIGINT, golabsyscall.SIGTERM)
	go func() {
		s := <-signals
		golabProfileWrite()
		code := 1
		if n, ok := s.(golabsyscall.Signal); ok {
			code = 128 + int(n)
		}
		golabos.Exit(code)
	}()
	if deadline, err := golabstrconv.ParseInt(golabos.Getenv("${DEADLINE_ENV}"), 10, 64); err == nil {
		_ = golabos.Unsetenv("${DEADLINE_ENV}")
		golabtime.AfterFunc(golabtime.Until(golabtime.Unix(deadline, 0)), func() {
			golabProfileWrite()
			_, _ = golabos.Stderr.WriteString("\\n${DEADLINE_MESSAGE}\\n")
			golabos.Exit(${DEADLINE_EXIT})
		})
	}
	_, _ = golabos.Stderr.WriteString("${STARTED_MESSAGE}\\n")
}

func golabProfileWrite() {
	golabProfileOnce.Do(func() {
		if golabProfileCPU != nil {
			golabpprof.StopCPUProfile()
			_ = golabProfileCPU.Close()
		}
${
  // The heap profile shows in-use memory as of the last GC: collect first, as go test does.
  want('heap') ? '\t\tgolabruntime.GC()\n' : ''
}${lookups.map((k) => `\t\tgolabProfileLookup("${k}", ${fileOf(k)})\n`).join('')}	})
}

func golabProfileLookup(name, file string) {
	f, err := golabos.Create(file)
	if err != nil {
		golabProfileWarn(err)
		return
	}
	if err := golabpprof.Lookup(name).WriteTo(f, 0); err != nil {
		golabProfileWarn(err)
	}
	if err := f.Close(); err != nil {
		golabProfileWarn(err)
	}
}
`;
}

/**
 * The name node of `func main` when this file is where a program starts: package main, a
 * top-level func main, and not a `//go:build ignore` script. Where the "profile (lab)"
 * CodeLens of a program goes.
 */
export function programMain(text: string, tree: Tree): Node | undefined {
  if (packageName(tree) !== 'main' || ignoredByBuild(text, tree)) return undefined;
  return findMainFunction(tree);
}

/** Whether the header of a file (before its package clause) has `//go:build ignore`. */
function ignoredByBuild(text: string, tree: Tree): boolean {
  const clause = tree.rootNode.namedChildren.find((c) => c?.type === 'package_clause');
  return /^\/\/go:build ignore\s*$/m.test(text.slice(0, clause?.startIndex ?? 0));
}

/** The overlay of a main package: host paths of the package's files mapped to their new text. */
export interface ProgramOverlay {
  /** Replaced or added file (host path inside the package) -> its text in the lab build. */
  files: Map<string, string>;
  /** The file declaring `func main`. */
  mainFile: string;
  /** Total `os.Exit` references redirected. */
  exits: number;
}

/**
 * Reads the non-test Go files of `pkgDir` and builds the overlay that profiles it as a
 * program. Throws {@link NotAProgramError} when it is not a main package or has no `func main`.
 * Every main-package file that declares `func main` is rewritten (files excluded by build
 * constraints are ignored by go build anyway), and os.Exit is redirected in every file.
 */
export function buildProgramOverlay(parser: GoParser, pkgDir: string, kinds: readonly ProfileKind[]): ProgramOverlay {
  let names: string[];
  try {
    names = fs.readdirSync(pkgDir).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go') && !n.startsWith('_') && !n.startsWith('.'));
  } catch (e) {
    throw new NotAProgramError(`cannot read ${pkgDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const files = new Map<string, string>();
  const packages = new Set<string>();
  let mainFile: string | undefined;
  let exits = 0;
  for (const name of names.sort()) {
    const file = path.join(pkgDir, name);
    const text = fs.readFileSync(file, 'utf8');
    const tree = parser.parse(text);
    try {
      const pkg = packageName(tree);
      if (!pkg) continue;
      // A `//go:build ignore` generator script may sit in any package: it says nothing about this one.
      if (!ignoredByBuild(text, tree)) packages.add(pkg);
      if (pkg !== 'main') continue;
      const rewrite = rewriteForProfile(text, tree);
      if (rewrite.text === text) continue;
      files.set(file, rewrite.text);
      exits += rewrite.exits;
      if (rewrite.renamedMain && (mainFile === undefined || !ignoredByBuild(text, tree))) mainFile = file;
    } finally {
      tree.delete();
    }
  }
  if (!packages.has('main')) {
    const found = [...packages];
    throw new NotAProgramError(`${pkgDir} is not a main package${found.length > 0 ? ` (package ${found.join(', ')})` : ' (no Go files)'}: only a program can be profiled with arguments; profile its tests instead`);
  }
  if (!mainFile) throw new NotAProgramError(`${pkgDir} is package main but declares no func main`);
  let harness = HARNESS_FILE;
  for (let i = 2; names.includes(harness); i++) harness = HARNESS_FILE.replace(/\.go$/, `${i}.go`);
  files.set(path.join(pkgDir, harness), harnessSource(kinds));
  return { files, mainFile, exits };
}

/** What to profile: a main package of the module at `cwd`, run with `args`. */
export interface ProgramProfileRequest extends Omit<ProfileRequest, 'run' | 'bench' | 'benchtime' | 'label'> {
  /** The program's command-line arguments. */
  args: readonly string[];
  /** Shown with the run in lists; default `program ./cmd/x arg1 arg2`. */
  label?: string;
  /** A parser to reuse; one is made (and freed) otherwise. */
  parser?: GoParser;
  /**
   * Stops the program and keeps its profiles: it gets SIGINT, on which the harness writes them
   * and exits (killed if it has not within `stopGraceMs`, default 10 s); the run resolves.
   * Stopped during the build, the build is abandoned and there is nothing to keep; stopped
   * before the container started (while the lab image is prepared), the run is cancelled.
   */
  stop?: AbortSignal;
  stopGraceMs?: number;
}

export interface ProgramProfileResult {
  dir: string;
  manifest: ProfileRunManifest;
  lab: LabRunResult;
  /** `go build` of the program failed (its errors are in the output). */
  buildFailed: boolean;
  /**
   * Stopped before the program ran (during its build): nothing was profiled, and the run
   * folder (`dir`), which would hold no profile, is removed rather than listed.
   */
  stoppedInBuild: boolean;
}

/**
 * Splits a line typed as a program's arguments the way a POSIX shell splits words: blanks
 * separate, '...' keeps everything literally, "..." keeps blanks (backslash escapes " \\ $ `),
 * a backslash outside quotes escapes the next character. No expansion of any kind. Throws on an
 * unclosed quote, so a typo is not run with a surprising argument list.
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (s: string) => (word = (word ?? '') + s);
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) out.push(word);
      word = undefined;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new Error('unclosed \' in the arguments');
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) j++;
        text += line[j];
      }
      if (j >= line.length) throw new Error('unclosed " in the arguments');
      add(text);
      i = j + 1;
    } else if (c === '\\' && i + 1 < line.length) {
      add(line[i + 1]);
      i += 2;
    } else {
      add(c);
      i++;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** `program ./cmd/x a "b c"`: the label of a program run. */
export function programLabel(pkg: string, args: readonly string[]): string {
  return ['program', pkg, ...args.map((a) => (a === '' || /[\s"'\\]/.test(a) ? JSON.stringify(a) : a))].join(' ');
}

/**
 * Seconds from the container's start after which the harness stops the program and writes
 * its profiles, leaving a margin before the lab's own timeout kills the container (SIGKILL,
 * which nothing can catch). Undefined when there is no timeout or too little time for one.
 */
export function deadlineSeconds(timeoutMs: number): number | undefined {
  if (!(timeoutMs > 0)) return undefined;
  const margin = Math.min(15_000, Math.max(2_000, timeoutMs / 10));
  const s = Math.floor((timeoutMs - margin) / 1000);
  return s >= 1 ? s : undefined;
}

/**
 * The container command: build with the overlay, then exec the binary with the arguments
 * (exec keeps it the container's main process, so signals reach it directly). The deadline is
 * taken from the container's own clock at its start, since the build counts against the limit.
 */
export function programCommand(overlay: string, pkg: string, binary: string, args: readonly string[], deadline: number | undefined): string[] {
  const script = [
    'start=$(date +%s)',
    `mkdir -p ${PROFILE_OUT} ${BIN_DIR} || exit 2`,
    // The build runs in the background, waited for: a trapped signal interrupts `wait` (not a
    // foreground command), so a stop during the build ends it at once; as PID 1 the shell would
    // otherwise ignore SIGINT. exec then gives the program default signal handling back.
    "trap 'kill $pid 2>/dev/null; exit 130' INT TERM",
    `echo '${BUILDING_MESSAGE}' >&2`,
    'go build -overlay "$1" -o "$3" "$2" &',
    'pid=$!',
    `wait $pid || { status=$?; echo '${BUILD_FAILED_MESSAGE}' >&2; exit $status; }`,
    'trap - INT TERM',
    `if [ "$4" -gt 0 ]; then export ${DEADLINE_ENV}=$((start + $4)); fi`,
    'bin=$3',
    'shift 4',
    'exec "$bin" "$@"',
  ].join('\n');
  return ['sh', '-c', script, 'sh', overlay, pkg, binary, String(deadline ?? 0), ...args];
}

/** Removes the overlay folder, and `.golab` itself when this run created it and left only its .gitignore. */
function removeOverlay(dir: string, golab: string, golabExisted: boolean): void {
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.rmdirSync(path.dirname(dir));
  } catch {
    // Another run's overlay is still there.
  }
  if (golabExisted) return;
  try {
    if (fs.readdirSync(golab).join() === '.gitignore') fs.rmSync(golab, { recursive: true, force: true });
  } catch {
    // Already gone.
  }
}

/**
 * Builds a main package with the profiling overlay in the lab, runs it with `req.args` and
 * keeps the profiles in a new run folder, like {@link runProfile}. Rejects for setup failures
 * (not a program, no Docker, image, cancelled); a failed build, a non-zero exit, an OOM kill
 * or the time limit still resolve, with whatever profiles were written.
 */
export async function runProfileMain(conn: DockerConnection, req: ProgramProfileRequest): Promise<ProgramProfileResult> {
  if (req.kinds.length === 0) throw new Error('no profile kind chosen');
  const workspace = path.resolve(req.workspace);
  const cwd = path.resolve(req.cwd);
  const packageDir = path.resolve(cwd, req.pkg);
  if (toContainerPath(packageDir, workspace) === undefined) throw new NotAProgramError(`${packageDir} is outside the workspace ${workspace}`);
  const parser = req.parser ?? (await GoParser.create());
  let overlay: ProgramOverlay;
  try {
    overlay = buildProgramOverlay(parser, packageDir, req.kinds);
  } finally {
    if (!req.parser) parser.delete();
  }
  const label = req.label ?? programLabel(req.pkg, req.args);
  // A stop while the lab image is prepared (minutes, the first time) ends that and cancels
  // the run: nothing has run yet, and the user should not wait for an image to be built.
  const signals = [req.signal, req.stop].filter((x): x is AbortSignal => x !== undefined);
  const image = await ensureImage(conn, req.lab.image, req.onProgress, signals.length > 1 ? AbortSignal.any(signals) : signals[0]);
  if (req.stop?.aborted) throw new LabCancelledError(label);

  // The overlay files must be visible in the container, and only the workspace is mounted:
  // they go under its git-ignored .golab folder (also when the run folder is elsewhere).
  const golab = path.join(workspace, '.golab');
  const golabExisted = fs.existsSync(golab);
  const binary = `${BIN_DIR}/${path.basename(packageDir).replace(/[^A-Za-z0-9._-]/g, '_') || 'program'}`;
  const dir = makeRunDir(req.outRoot ?? path.join(workspace, PROFILES_DIR));
  let overlayDir: string | undefined;
  let overlayInContainer: string;
  let lab: LabRunResult;
  try {
    overlayDir = makeRunDir(path.join(golab, 'overlays'));
    const replace: Record<string, string> = {};
    let i = 0;
    for (const [file, text] of overlay.files) {
      const copy = path.join(overlayDir, `${i++}-${path.basename(file)}`);
      fs.writeFileSync(copy, text);
      // Both paths are inside the workspace: checked above for the package, made so for the copy.
      replace[toContainerPath(file, workspace) as string] = toContainerPath(copy, workspace) as string;
    }
    const overlayJson = path.join(overlayDir, 'overlay.json');
    fs.writeFileSync(overlayJson, `${JSON.stringify({ Replace: replace }, null, 2)}\n`);
    overlayInContainer = toContainerPath(overlayJson, workspace) as string;
    req.onProgress?.({ message: `Profiling ${label} (${req.kinds.join(', ')})` });
    lab = await runInLab(conn.docker, image, {
      cmd: programCommand(overlayInContainer, req.pkg, binary, req.args, deadlineSeconds(req.lab.timeoutMs)),
      workspace,
      cwd: path.relative(workspace, cwd) || '.',
      limits: req.lab.limits,
      network: req.lab.network,
      timeoutMs: req.lab.timeoutMs,
      signal: req.signal,
      stop: req.stop,
      stopGraceMs: req.stopGraceMs,
      artifacts: [PROFILE_OUT],
      artifactsDir: dir,
      onStdout: (t) => req.onOutput?.(t),
      onStderr: (t) => req.onOutput?.(t),
    });
  } catch (e) {
    // Nothing was kept: do not leave an empty run behind in the list.
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    if (overlayDir) removeOverlay(overlayDir, golab, golabExisted);
  }
  const buildFailed = lab.exitCode !== 0 && lab.stderr.includes(BUILD_FAILED_MESSAGE);
  // The harness says when the program runs; a stop before that line ended the build.
  const stoppedInBuild = lab.stopped === true && !buildFailed && !lab.stderr.includes(STARTED_MESSAGE);
  const profiles = keepProfiles(dir, req.kinds);
  if (stoppedInBuild && Object.keys(profiles).length === 0) fs.rmSync(dir, { recursive: true, force: true });
  const stoppedAtDeadline = lab.exitCode === DEADLINE_EXIT && lab.stderr.includes(DEADLINE_MESSAGE);
  const manifest: ProfileRunManifest = {
    label,
    createdAt: new Date().toISOString(),
    command: ['go', 'build', '-overlay', overlayInContainer, '-o', binary, req.pkg, '&&', binary, ...req.args],
    profiles,
    exitCode: lab.exitCode,
    oomKilled: lab.oomKilled,
    timedOut: lab.timedOut || stoppedAtDeadline,
    limits: lab.limits,
    durationMs: Math.round(lab.durationMs),
    packageDir,
  };
  if (fs.existsSync(dir)) writeRunFiles(dir, manifest, lab.stdout + lab.stderr);
  return { dir, manifest, lab: { ...lab, timedOut: manifest.timedOut }, buildFailed, stoppedInBuild };
}
