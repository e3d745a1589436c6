/**
 * `go test -race` in the lab: builds the command line, streams the run's output as readable
 * text while it arrives, parses it, and maps the race reports from container paths back to the
 * workspace. Shared by the extension's commands, its Test Explorer run profile and `golab race`.
 */
import * as path from 'path';
import type { DockerConnection } from '../lab/docker';
import { ensureImage, type LabSettings, runGoTestInLab } from '../lab/goTest';
import { WORKSPACE_MOUNT } from '../lab/runner';
import type { LabProgress, LabRunResult } from '../lab/types';

export { findModuleRoot, type LabSettings, Test2JsonText } from '../lab/goTest';
import { type RaceFinding, raceFindings } from './findings';
import { mapPaths, prefixMapper } from './sites';
import type { GoTestRun } from './types';

export interface RaceRequest {
  /** The directory mounted into the lab (a workspace folder); every path below is inside it. */
  workspace: string;
  /** Directory `go test` runs in (the module root or below it); default the workspace. */
  cwd?: string;
  /** Package patterns relative to `cwd`: `./...`, `./pkg/x`, `.`. */
  packages: string[];
  /** `-run` pattern (`^TestX$`), if only some tests should run. */
  run?: string;
  /** `-bench` pattern: these benchmarks run once each (`-benchtime 1x`), under the race detector. */
  bench?: string;
  lab: LabSettings;
  signal?: AbortSignal;
  /** Readable output as it arrives (test2json events turned back into text). */
  onOutput?: (text: string) => void;
  onProgress?: (p: LabProgress) => void;
}

export interface RaceResult {
  /** The parsed run, with race stacks mapped to host paths. */
  run: GoTestRun;
  /** Findings at the user's lines (files inside the workspace). */
  findings: RaceFinding[];
  lab: LabRunResult;
  image: string;
  /** The command run in the container. */
  command: string[];
}

/** A `-run`/`-bench` pattern matching exactly `names`: `TestA` must not also run `TestAB`. */
export function runPattern(names: readonly string[]): string {
  const escape = (n: string) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return names.length === 1 ? `^${escape(names[0])}$` : `^(${names.map(escape).join('|')})$`;
}

/** The `go test` command line of a request. */
export function raceCommand(req: Pick<RaceRequest, 'packages' | 'run' | 'bench'>): string[] {
  return [
    'go',
    'test',
    '-race',
    '-json',
    '-count=1',
    ...(req.run ? ['-run', req.run] : []),
    ...(req.bench ? ['-bench', req.bench, '-benchtime', '1x'] : []),
    ...(req.packages.length > 0 ? req.packages : ['./...']),
  ];
}

/** Runs the race detector in the lab; rejects only for setup failures (no Docker, image, cancelled). */
export async function runRace(conn: DockerConnection, req: RaceRequest): Promise<RaceResult> {
  const workspace = path.resolve(req.workspace);
  const cwd = path.resolve(req.cwd ?? workspace);
  const image = await ensureImage(conn, req.lab.image, req.onProgress, req.signal);
  const command = raceCommand(req);
  req.onProgress?.({ message: `Running ${command.join(' ')}` });
  const { lab, run: parsed } = await runGoTestInLab(conn, { image, cmd: command, workspace, cwd, lab: req.lab, signal: req.signal, onOutput: req.onOutput });
  const toHost = prefixMapper(WORKSPACE_MOUNT, workspace);
  const races = parsed.races.map((r) => mapPaths(r, toHost));
  const inside = workspace + path.sep;
  const isUserFile = (f: string) => f.startsWith(inside) && !f.includes(`${path.sep}vendor${path.sep}`);
  // Build errors come on stderr as text the parser never saw: parse them there too.
  const run: GoTestRun = { ...parsed, races, buildErrors: [...parsed.buildErrors, ...buildErrorLines(lab.stderr)] };
  return { run, findings: raceFindings(races, isUserFile), lab, image, command };
}

/** The run did not get to run any test because a package failed to build. */
export function buildFailed(run: GoTestRun): boolean {
  return run.buildErrors.length > 0 && !run.tests.some((t) => t.test !== undefined);
}

/** `./pkg/x.go:12:3: undefined: y` lines of the go command's stderr. */
function buildErrorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\S+\.go:\d+(:\d+)?: /.test(l) || /^(go: |# )/.test(l));
}
