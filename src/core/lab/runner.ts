/**
 * One run in the lab: a container from the lab image with the workspace mounted, cgroup
 * limits, the Go caches on named volumes, live demultiplexed output, artifacts copied back,
 * and the container always removed at the end, whatever happened.
 */
import { execFile } from 'child_process';
import { randomUUID } from 'crypto';
import { once } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough, type Readable } from 'stream';
import { StringDecoder } from 'string_decoder';
import { promisify } from 'util';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import {
  asSystemError,
  daemonMessage,
  isConnectionLost,
  isDiskFull,
  LabCancelledError,
  LabDaemonDiedError,
  LabDiskFullError,
  LabError,
  LabImageMissingError,
  LabWorkspaceMissingError,
} from './errors';
import type { LabRunResult, LabRunSpec } from './types';

const execFileP = promisify(execFile);

/** Where the workspace is mounted in every lab container (also the image's WORKDIR). */
export const WORKSPACE_MOUNT = '/workspace';
/** Where the host's module cache is mounted read-only, to serve as an offline GOPROXY. */
export const HOST_MODCACHE_MOUNT = '/golab/hostmodcache';
/** Named volumes of the lab's module and build caches, and their paths (lab/Dockerfile). */
export const GOMODCACHE_VOLUME = 'golab-gomodcache';
export const GOCACHE_VOLUME = 'golab-gocache';
export const GOMODCACHE_PATH = '/golab/gomodcache';
export const GOCACHE_PATH = '/golab/gocache';
/** Label every lab container carries (removeLeftovers finds them by it). */
export const LAB_LABEL = 'golab';
export const RUN_LABEL = 'golab.run';
export const WORKSPACE_LABEL = 'golab.workspace';
/**
 * The process that started a container, `<hostname>/<pid>`: another editor window or a CLI run
 * must not have its running container removed as a leftover (see cleanup.ts).
 */
export const OWNER_LABEL = 'golab.owner';

/** This process as an owner label value. */
export function ownerLabel(): string {
  return `${os.hostname()}/${process.pid}`;
}

/** Line appended to the output when a module could not be found offline. */
export const MISSING_MODULE_HINT =
  'golab: a module needed by this build is not in the host\'s module cache and the lab has no network. ' +
  'Enable the setting golab.lab.network to let the lab download modules, or run `go mod download` on the host first.';

/** The host path of a path inside the container's workspace mount; undefined if outside it. */
export function toHostPath(containerPath: string, workspace: string): string | undefined {
  const norm = path.posix.normalize(containerPath);
  if (norm !== WORKSPACE_MOUNT && !norm.startsWith(WORKSPACE_MOUNT + '/')) return undefined;
  const rel = path.posix.relative(WORKSPACE_MOUNT, norm);
  return rel ? path.join(workspace, ...rel.split('/')) : workspace;
}

/** The container path of a host path inside the workspace; undefined if outside it. */
export function toContainerPath(hostPath: string, workspace: string): string | undefined {
  const rel = path.relative(path.resolve(workspace), path.resolve(hostPath));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel ? path.posix.join(WORKSPACE_MOUNT, ...rel.split(path.sep)) : WORKSPACE_MOUNT;
}

/** The host's Go module cache and proxy setting, looked up once (undefined without Go). */
let hostGoEnv: Promise<{ modcache?: string; proxy?: string }> | undefined;
function hostModuleEnv(): Promise<{ modcache?: string; proxy?: string }> {
  hostGoEnv ??= execFileP('go', ['env', 'GOMODCACHE', 'GOPROXY'], { encoding: 'utf8' }).then(
    ({ stdout }) => {
      const [modcache, proxy] = stdout.split('\n').map((s) => s.trim());
      return { modcache: modcache && fs.existsSync(path.join(modcache, 'cache', 'download')) ? modcache : undefined, proxy: proxy || undefined };
    },
    () => ({}),
  );
  return hostGoEnv;
}

/**
 * The Go environment of a run: the host's module cache as a file:// GOPROXY so modules the
 * host has build offline, and no checksum database lookups without network (go.sum still
 * verifies what it lists).
 */
async function moduleEnv(spec: LabRunSpec): Promise<{ env: string[]; binds: string[] }> {
  const detected = await hostModuleEnv();
  const host =
    spec.hostModCache === undefined
      ? detected
      : { proxy: detected.proxy, modcache: spec.hostModCache && fs.existsSync(path.join(spec.hostModCache, 'cache', 'download')) ? path.resolve(spec.hostModCache) : undefined };
  const env: string[] = [];
  const binds: string[] = [];
  const fileProxy = `file://${HOST_MODCACHE_MOUNT}/cache/download`;
  if (host.modcache) binds.push(`${host.modcache}:${HOST_MODCACHE_MOUNT}:ro`);
  if (!spec.network) {
    env.push(`GOPROXY=${host.modcache ? fileProxy : 'off'}`, 'GOSUMDB=off', 'GONOSUMDB=*');
  } else if (host.modcache) {
    // With network, the host cache first and then whatever proxy the host itself uses.
    env.push(`GOPROXY=${fileProxy}${host.proxy && host.proxy !== 'off' ? ',' + host.proxy : ''}`);
  }
  // -mod=mod lets the go command resolve from GOPROXY instead of refusing on a go.sum that
  // lacks an entry; a vendored module keeps its vendor directory (-mod=vendor is its default).
  const vendored = fs.existsSync(path.join(spec.workspace, spec.cwd ?? '.', 'vendor', 'modules.txt'));
  env.push(`GOFLAGS=-buildvcs=false${vendored ? '' : ' -mod=mod'}`);
  return { env, binds };
}

/** The signal name of a 128+n exit code, e.g. 137 -> SIGKILL. */
export function signalOfExitCode(code: number): string | undefined {
  if (code <= 128 || code > 128 + 64) return undefined;
  const n = code - 128;
  return (Object.keys(os.constants.signals) as Array<keyof typeof os.constants.signals>).find((k) => os.constants.signals[k] === n);
}

/** Output text that means the go command wanted a module it could not get offline. */
const MODULE_MISSING =
  /module lookup disabled|cannot find module providing package|missing go\.sum entry|reading file:\/\/\S+: no such file|\bnot found: .*file:\/\/|dial tcp: lookup|GOPROXY=off/;

function isNotFound(e: unknown): boolean {
  return asSystemError(e).statusCode === 404;
}

/** Maps an error of a daemon call during a run to the lab's typed errors. */
function classifyRunError(e: unknown, image: string): unknown {
  if (e instanceof LabError) return e;
  if (isDiskFull(e)) return new LabDiskFullError(daemonMessage(e), { cause: e });
  if (isNotFound(e) && /no such image/i.test(daemonMessage(e))) return new LabImageMissingError(image, { cause: e });
  if (isConnectionLost(e)) return new LabDaemonDiedError(daemonMessage(e), { cause: e });
  return e;
}

/**
 * Copies `containerPath` out of the (stopped) container into `destDir` with getArchive and
 * tar-stream. Entries that would land outside `destDir` (`..`, absolute names) and links are
 * skipped: the archive comes from code we do not trust. Resolves with the host path, or
 * undefined when the path does not exist in the container.
 */
export async function copyArtifact(container: Docker.Container, containerPath: string, destDir: string): Promise<string | undefined> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: containerPath });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const root = path.resolve(destDir);
  await fs.promises.mkdir(root, { recursive: true });
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const target = path.resolve(root, header.name);
      const inside = target === root || target.startsWith(root + path.sep);
      /** Writes the entry; resolves false when it was skipped and still needs draining. */
      const write = async (): Promise<boolean> => {
        if (!inside) return false;
        if (header.type === 'directory') {
          await fs.promises.mkdir(target, { recursive: true });
          return false;
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') return false; // links, devices: never recreated
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        const out = fs.createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o777 });
        for await (const chunk of stream) {
          if (!out.write(chunk as Buffer)) await once(out, 'drain');
        }
        out.end();
        await once(out, 'finish');
        return true;
      };
      write().then(
        (consumed) => {
          if (consumed) return next();
          // Drain the skipped entry so tar-stream moves on to the next one.
          stream.on('end', () => next());
          stream.resume();
        },
        (err: unknown) => {
          stream.resume();
          next(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  archive.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  // The archive's top entry is the basename of the path (a file, or a directory of files).
  return path.join(root, path.posix.basename(path.posix.normalize(containerPath)));
}

/**
 * Removes a container (killing it if it runs) and waits until it is really gone: a kill from a
 * cancel or timeout may race with the removal, which the daemon answers with 409 "removal
 * already in progress" while the container is still listed.
 */
async function removeContainer(container: Docker.Container): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await container.remove({ force: true });
      return;
    } catch (e) {
      const status = asSystemError(e).statusCode;
      if (status === 404) return;
      // A dead daemon cannot remove anything; removeLeftovers takes care of it later.
      if (status === undefined || Date.now() > deadline) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Runs `spec.cmd` in a fresh container of `image` and resolves with how it ended (exit code,
 * signal, OOM kill, timeout, output, artifacts). Rejects with LabCancelledError when
 * `spec.signal` aborts, and with typed LabErrors for a missing workspace or image, a full disk
 * or a daemon that died. The container is removed in every case.
 */
export async function runInLab(docker: Docker, image: string, spec: LabRunSpec): Promise<LabRunResult> {
  const runId = randomUUID().replace(/-/g, '').slice(0, 12);
  if (spec.signal?.aborted) throw new LabCancelledError(runId);
  const workspace = path.resolve(spec.workspace);
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) throw new LabWorkspaceMissingError(workspace);

  const limits = spec.limits;
  const mod = await moduleEnv({ ...spec, workspace });
  const env = [
    ...mod.env,
    // The caller's variables win over the lab's defaults.
    ...Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
  const workingDir = path.posix.join(WORKSPACE_MOUNT, ...(spec.cwd ?? '.').split(path.sep));

  let container: Docker.Container | undefined;
  let stdout = '';
  let stderr = '';
  const emit = (which: 'out' | 'err', text: string) => {
    if (!text) return;
    if (which === 'out') {
      stdout += text;
      spec.onStdout?.(text);
    } else {
      stderr += text;
      spec.onStderr?.(text);
    }
  };

  let cancelled = false;
  let timedOut = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let onStop: (() => void) | undefined;
  try {
    try {
      container = await docker.createContainer({
        name: `golab-run-${runId}`,
        Image: image,
        Cmd: spec.cmd,
        Env: env,
        WorkingDir: workingDir,
        Labels: { [LAB_LABEL]: '1', [RUN_LABEL]: runId, [WORKSPACE_LABEL]: workspace, [OWNER_LABEL]: ownerLabel() },
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        HostConfig: {
          Binds: [
            `${workspace}:${WORKSPACE_MOUNT}:${spec.writable ? 'rw' : 'ro'}`,
            `${GOMODCACHE_VOLUME}:${GOMODCACHE_PATH}`,
            `${GOCACHE_VOLUME}:${GOCACHE_PATH}`,
            ...mod.binds,
          ],
          NetworkMode: spec.network ? 'bridge' : 'none',
          Memory: limits.memoryBytes > 0 ? limits.memoryBytes : undefined,
          // Equal to Memory: the limit is the limit, the program cannot escape into swap.
          MemorySwap: limits.memoryBytes > 0 ? limits.memoryBytes : undefined,
          NanoCpus: limits.cpus > 0 ? Math.round(limits.cpus * 1e9) : undefined,
          PidsLimit: limits.pids > 0 ? limits.pids : undefined,
        },
      });
    } catch (e) {
      if (isNotFound(e)) throw new LabImageMissingError(image, { cause: e });
      throw classifyRunError(e, image);
    }

    // Attach before start so no early output is lost; demultiplex the 8-byte-framed stream.
    const attached = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
    const outDecoder = new StringDecoder('utf8');
    const errDecoder = new StringDecoder('utf8');
    const outSink = new PassThrough();
    const errSink = new PassThrough();
    outSink.on('data', (c: Buffer) => emit('out', outDecoder.write(c)));
    errSink.on('data', (c: Buffer) => emit('err', errDecoder.write(c)));
    const streamEnded = new Promise<void>((resolve) => {
      attached.on('end', resolve);
      attached.on('close', resolve);
      attached.on('error', () => resolve());
    });
    docker.modem.demuxStream(attached, outSink, errSink);

    const ctr = container;
    const kill = () => ctr.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    const aborted = new Promise<void>((resolve) => {
      onAbort = () => {
        cancelled = true;
        void kill();
        resolve();
      };
      spec.signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (spec.signal?.aborted) throw new LabCancelledError(runId);

    // Asked before start so a fast exit cannot be missed; `next-exit` because the default
    // `not-running` returns at once for a container that is only created.
    const waited = ctr.wait({ condition: 'next-exit' }) as Promise<{ StatusCode?: number }>;
    const started = performance.now();
    await ctr.start();
    if (spec.timeoutMs && spec.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        void kill();
      }, spec.timeoutMs);
    }
    if (spec.stop) {
      onStop = () => {
        if (stopped) return;
        stopped = true;
        // SIGINT, as Ctrl+C would send: a program may write what it has and exit; one that
        // does not (or ignores it, as PID 1 without a handler does) is killed after the grace.
        void ctr.kill({ signal: 'SIGINT' }).catch(() => undefined);
        stopTimer = setTimeout(() => void kill(), spec.stopGraceMs ?? 10_000);
      };
      if (spec.stop.aborted) onStop();
      else spec.stop.addEventListener('abort', onStop, { once: true });
    }
    let waitResult: { StatusCode?: number } | undefined;
    try {
      waitResult = await Promise.race([waited, aborted.then(() => undefined)]);
    } catch (e) {
      throw classifyRunError(isConnectionLost(e) ? new LabDaemonDiedError(daemonMessage(e), { cause: e }) : e, image);
    }
    const durationMs = performance.now() - started;
    if (cancelled) throw new LabCancelledError(runId);
    clearTimeout(timer);
    clearTimeout(stopTimer);
    // The attach stream ends when the container exits; give the tail of the output a moment.
    await Promise.race([streamEnded, new Promise((r) => setTimeout(r, 2000))]);
    emit('out', outDecoder.end());
    emit('err', errDecoder.end());

    const info = await ctr.inspect();
    const exitCode = info.State?.ExitCode ?? waitResult?.StatusCode ?? -1;
    const oomKilled = info.State?.OOMKilled === true;

    if (exitCode !== 0 && !spec.network && MODULE_MISSING.test(stderr + stdout)) emit('err', `\n${MISSING_MODULE_HINT}\n`);

    const artifacts: Record<string, string> = {};
    if (spec.artifacts?.length) {
      const dir = spec.artifactsDir ?? (await fs.promises.mkdtemp(path.join(os.tmpdir(), 'golab-artifacts-')));
      for (const p of spec.artifacts) {
        const host = await copyArtifact(ctr, p, dir);
        if (host) artifacts[p] = host;
      }
    }

    return {
      runId,
      exitCode,
      signal: signalOfExitCode(exitCode),
      oomKilled,
      timedOut,
      ...(stopped ? { stopped } : {}),
      stdout,
      stderr,
      durationMs,
      artifacts,
      limits,
    };
  } catch (e) {
    if (cancelled || spec.signal?.aborted) throw new LabCancelledError(runId);
    throw classifyRunError(e, image);
  } finally {
    clearTimeout(timer);
    clearTimeout(stopTimer);
    if (onAbort) spec.signal?.removeEventListener('abort', onAbort);
    if (onStop) spec.stop?.removeEventListener('abort', onStop);
    if (container) {
      // Kills it if still running (cancel, timeout, error).
      await removeContainer(container);
    }
  }
}
