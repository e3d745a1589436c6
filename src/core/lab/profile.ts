/**
 * Profiling in the lab: `go test` of one package with the profiles asked for (CPU, heap,
 * mutex, block), written inside the container and copied back into a run folder of the
 * workspace (`.golab/profiles/<timestamp>/`, git-ignored) together with a small manifest.
 * Shared by the extension's commands, its Test Explorer profile and `golab profile`. A program
 * (main package run with arguments) goes through profileMain.ts, which reuses the run folder,
 * copy-back and manifest code here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureImage, type LabSettings, runGoTestInLab } from './goTest';
import type { GoTestRun } from '../race/types';
import type { DockerConnection } from './docker';
import type { LabProgress, LabRunResult } from './types';

export type ProfileKind = 'cpu' | 'heap' | 'mutex' | 'block';
export const PROFILE_KINDS: readonly ProfileKind[] = ['cpu', 'heap', 'mutex', 'block'];

/** The go test flag of each kind, and the file it writes (the program harness writes the same files). */
export const FLAGS: Record<ProfileKind, { flag: string; file: string }> = {
  cpu: { flag: '-cpuprofile', file: 'cpu.pprof' },
  heap: { flag: '-memprofile', file: 'heap.pprof' },
  mutex: { flag: '-mutexprofile', file: 'mutex.pprof' },
  block: { flag: '-blockprofile', file: 'block.pprof' },
};

/** Where profiles are written in the container (a tmpfs-like scratch dir, never the read-only workspace). */
export const PROFILE_OUT = '/tmp/golab-profiles';

/** The folder of the workspace that keeps profile runs. */
export const PROFILES_DIR = path.join('.golab', 'profiles');

export interface ProfileRequest {
  /** Directory mounted into the lab (a workspace folder). */
  workspace: string;
  /** The module root go test runs in. */
  cwd: string;
  /** One package pattern relative to cwd (`.`, `./store`): Go profiles one package at a time. */
  pkg: string;
  /** `-run` pattern; `^$` with a bench pattern profiles only benchmarks. */
  run?: string;
  /** `-bench` pattern (with `-benchmem`). */
  bench?: string;
  /** `-benchtime`, e.g. `1s`, `100x` (default go test's 1s). */
  benchtime?: string;
  kinds: readonly ProfileKind[];
  lab: LabSettings;
  signal?: AbortSignal;
  onOutput?: (text: string) => void;
  onProgress?: (p: LabProgress) => void;
  /** Folder the run folder is made in; default `<workspace>/.golab/profiles`. */
  outRoot?: string;
  /** Shown with the run in lists: "TestX", "BenchmarkY", "package ./store". */
  label: string;
}

/** What `manifest.json` of a run folder says. */
export interface ProfileRunManifest {
  label: string;
  createdAt: string;
  command: string[];
  /** Host paths relative to the run folder, by kind, of the profiles that were written. */
  profiles: Partial<Record<ProfileKind, string>>;
  exitCode: number;
  oomKilled: boolean;
  timedOut: boolean;
  limits: LabRunResult['limits'];
  durationMs: number;
  /** The package directory on the host (source annotation maps lines of files below it). */
  packageDir: string;
}

export interface ProfileResult {
  dir: string;
  manifest: ProfileRunManifest;
  run: GoTestRun;
  lab: LabRunResult;
}

/** The `go test` command line of a profile request. */
export function profileCommand(req: Pick<ProfileRequest, 'pkg' | 'run' | 'bench' | 'benchtime' | 'kinds'>): string[] {
  return [
    'sh',
    '-c',
    // The output folder must exist before go test writes into it; `exec` keeps go test as the
    // container's main process so a kill reaches it directly.
    `mkdir -p ${PROFILE_OUT} /tmp/golab-bin && exec "$@"`,
    'sh',
    'go',
    'test',
    '-json',
    '-count=1',
    ...(req.run ? ['-run', req.run] : []),
    ...(req.bench ? ['-bench', req.bench, '-benchmem', ...(req.benchtime ? ['-benchtime', req.benchtime] : [])] : []),
    ...req.kinds.flatMap((k) => [FLAGS[k].flag, `${PROFILE_OUT}/${FLAGS[k].file}`]),
    // With a profile asked for, go test keeps the test binary next to the package, which is
    // the read-only workspace here: put it in the container's scratch space instead.
    '-o',
    '/tmp/golab-bin/pkg.test',
    // Go's defaults once a profile is asked for: every mutex contention, every blocking event.
    ...(req.kinds.includes('mutex') ? ['-mutexprofilefraction', '1'] : []),
    ...(req.kinds.includes('block') ? ['-blockprofilerate', '1'] : []),
    req.pkg,
  ];
}

/** `2026-11-29T10-31-05` (file-name safe, sorts by time). */
function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
}

/** A new, unique run folder under `root`. */
export function makeRunDir(root: string, now = new Date()): string {
  fs.mkdirSync(root, { recursive: true });
  // The folder is tool output: keep it out of the user's commits.
  const ignore = path.join(path.dirname(root), '.gitignore');
  if (path.basename(path.dirname(root)) === '.golab' && !fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n');
  for (let i = 0; ; i++) {
    const dir = path.join(root, `${stamp(now)}${i === 0 ? '' : `-${i}`}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * Runs the profiling `go test` in the lab and keeps what it wrote in a new run folder. Rejects
 * only for setup failures (no Docker, image, cancelled); a failing test or OOM kill still
 * resolves, with whatever profiles were written.
 */
export async function runProfile(conn: DockerConnection, req: ProfileRequest): Promise<ProfileResult> {
  if (req.kinds.length === 0) throw new Error('no profile kind chosen');
  const workspace = path.resolve(req.workspace);
  const cwd = path.resolve(req.cwd);
  const image = await ensureImage(conn, req.lab.image, req.onProgress, req.signal);
  const command = profileCommand(req);
  const dir = makeRunDir(req.outRoot ?? path.join(workspace, PROFILES_DIR));
  req.onProgress?.({ message: `Profiling ${req.label} (${req.kinds.join(', ')})` });
  let lab: LabRunResult;
  let run: GoTestRun;
  try {
    ({ lab, run } = await runGoTestInLab(conn, { image, cmd: command, workspace, cwd, lab: req.lab, signal: req.signal, onOutput: req.onOutput, artifacts: [PROFILE_OUT], artifactsDir: dir }));
  } catch (e) {
    // Nothing was kept: do not leave an empty run behind in the list.
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const profiles = keepProfiles(dir, req.kinds);
  const manifest: ProfileRunManifest = {
    label: req.label,
    createdAt: new Date().toISOString(),
    command: command.slice(4),
    profiles,
    exitCode: lab.exitCode,
    oomKilled: lab.oomKilled,
    timedOut: lab.timedOut,
    limits: lab.limits,
    durationMs: Math.round(lab.durationMs),
    packageDir: path.resolve(cwd, req.pkg),
  };
  writeRunFiles(dir, manifest, lab.stdout.startsWith('{') ? run.text : lab.stdout + lab.stderr);
  return { dir, manifest, run, lab };
}

/**
 * Moves the profiles copied back from {@link PROFILE_OUT} into the run folder as
 * `<kind>.pb.gz` and says which were written (an empty file, e.g. of a run killed before it
 * wrote anything, counts as not written).
 */
export function keepProfiles(dir: string, kinds: readonly ProfileKind[]): Partial<Record<ProfileKind, string>> {
  // getArchive of a directory brings it back as <dir>/golab-profiles/...: flatten it.
  const copied = path.join(dir, path.basename(PROFILE_OUT));
  const profiles: Partial<Record<ProfileKind, string>> = {};
  for (const kind of kinds) {
    const from = path.join(copied, FLAGS[kind].file);
    if (!fs.existsSync(from) || fs.statSync(from).size === 0) continue;
    const to = path.join(dir, `${kind}.pb.gz`);
    fs.renameSync(from, to);
    profiles[kind] = path.basename(to);
  }
  fs.rmSync(copied, { recursive: true, force: true });
  return profiles;
}

/** Writes a run folder's `manifest.json` and `output.txt`. */
export function writeRunFiles(dir: string, manifest: ProfileRunManifest, output: string): void {
  fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'output.txt'), output);
}

/** The run folders under `root`, newest first, with their manifests (unreadable ones skipped). */
export function listProfileRuns(root: string): Array<{ dir: string; manifest: ProfileRunManifest }> {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const out: Array<{ dir: string; manifest: ProfileRunManifest }> = [];
  for (const name of names.sort().reverse()) {
    const dir = path.join(root, name);
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ProfileRunManifest;
      if (manifest && typeof manifest.label === 'string' && typeof manifest.profiles === 'object') out.push({ dir, manifest });
    } catch {
      // Not a run folder (or one being written): not listed.
    }
  }
  return out;
}
