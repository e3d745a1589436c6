/**
 * What every `go test` run in the lab shares, whatever it is for (race detector, profiles, GC
 * sweeps): the lab settings of a run, the module root to run in, the lab image (with `auto`
 * resolved and its offline fallback), and test2json output turned back into readable text.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GoTestOutputParser } from '../race/parse';
import type { GoTestRun } from '../race/types';
import type { DockerConnection } from './docker';
import { LabPullError } from './errors';
import { ensureLabImage, hostGo, LOCAL_BASE, LOCAL_BASE_REPO } from './image';
import { runInLab } from './runner';
import type { LabImageOptions, LabLimits, LabProgress, LabRunResult } from './types';

export interface LabSettings {
  limits: LabLimits;
  network: boolean;
  timeoutMs: number;
  image: LabImageOptions;
}

/** The directory of the nearest go.mod at or above `dir`, stopping at `stop`; undefined if none. */
export function findModuleRoot(dir: string, stop: string): string | undefined {
  let d = path.resolve(dir);
  const top = path.resolve(stop);
  for (;;) {
    if (fs.existsSync(path.join(d, 'go.mod'))) return d;
    if (d === top || path.dirname(d) === d) return undefined;
    d = path.dirname(d);
  }
}

/**
 * `auto` picks a base image: the one this machine built with `local` for its Go version if it
 * exists (no registry needed), else `golang:<major.minor>-bookworm` from the registry (and, if
 * no registry answers, `local` after all: see {@link ensureImage}).
 */
export async function resolveBaseImage(conn: DockerConnection, baseImage: string): Promise<string> {
  if (baseImage !== 'auto') return baseImage;
  const go = await hostGo().catch(() => undefined);
  const local = await conn.docker.listImages({ filters: { reference: [`${LOCAL_BASE_REPO}:*`] } }).catch(() => []);
  if (local.length > 0) return LOCAL_BASE;
  const m = go ? /go(\d+)\.(\d+)/.exec(go.version) : null;
  return m ? `golang:${m[1]}.${m[2]}-bookworm` : 'golang:bookworm';
}

/**
 * The lab image for `options`, built if needed. With `auto`, a registry that cannot be reached
 * falls back to making the base image on this machine, so the lab works out of the box offline.
 */
export async function ensureImage(
  conn: DockerConnection,
  options: LabImageOptions,
  onProgress?: (p: LabProgress) => void,
  signal?: AbortSignal,
): Promise<string> {
  const base = await resolveBaseImage(conn, options.baseImage);
  try {
    return await ensureLabImage(conn.docker, { ...options, baseImage: base }, onProgress, signal);
  } catch (e) {
    if (options.baseImage !== 'auto' || base === LOCAL_BASE || !(e instanceof LabPullError)) throw e;
    onProgress?.({ message: `No registry answered for ${base}: making a local base image from this machine's Go toolchain (once, about a minute)` });
    return ensureLabImage(conn.docker, { ...options, baseImage: LOCAL_BASE }, onProgress, signal);
  }
}

/** Turns test2json lines back into the text `go test` would have printed, as they stream in. */
export class Test2JsonText {
  private partial = '';

  push(chunk: string): string {
    this.partial += chunk;
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map((l) => Test2JsonText.textOf(l)).join('');
  }

  flush(): string {
    const rest = this.partial;
    this.partial = '';
    return rest ? Test2JsonText.textOf(rest) : '';
  }

  private static textOf(line: string): string {
    if (!line.startsWith('{')) return `${line}\n`;
    try {
      const ev = JSON.parse(line) as { Action?: string; Output?: string };
      return ev.Action === 'output' && typeof ev.Output === 'string' ? ev.Output : '';
    } catch {
      return `${line}\n`;
    }
  }
}

/** A `go test -json` command to run in the lab, with where and how. */
export interface GoTestSpec {
  image: string;
  cmd: string[];
  workspace: string;
  /** Directory go test runs in (inside the workspace). */
  cwd: string;
  lab: LabSettings;
  signal?: AbortSignal;
  /** Readable output as it arrives (test2json events turned back into text; stderr as it is). */
  onOutput?: (text: string) => void;
  /** Container paths copied back into `artifactsDir` after the run. */
  artifacts?: string[];
  artifactsDir?: string;
}

/**
 * Runs a `go test -json` command in the lab, streaming readable output while parsing the
 * events; resolves with the lab run and the parsed test run (race reports, outcomes).
 */
export async function runGoTestInLab(conn: DockerConnection, spec: GoTestSpec): Promise<{ lab: LabRunResult; run: GoTestRun }> {
  const parser = new GoTestOutputParser('json');
  const text = new Test2JsonText();
  const lab = await runInLab(conn.docker, spec.image, {
    cmd: spec.cmd,
    workspace: spec.workspace,
    cwd: path.relative(spec.workspace, spec.cwd) || '.',
    limits: spec.lab.limits,
    network: spec.lab.network,
    timeoutMs: spec.lab.timeoutMs,
    signal: spec.signal,
    ...(spec.artifacts ? { artifacts: spec.artifacts, artifactsDir: spec.artifactsDir } : {}),
    onStdout: (chunk) => {
      parser.write(chunk);
      const readable = text.push(chunk);
      if (readable) spec.onOutput?.(readable);
    },
    // The go command's own errors (build failures, missing modules) come on stderr, as text.
    onStderr: (chunk) => spec.onOutput?.(chunk),
  });
  const rest = text.flush();
  if (rest) spec.onOutput?.(rest);
  return { lab, run: parser.end() };
}
