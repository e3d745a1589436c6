/**
 * The lab image: lab/Dockerfile built on a base image (build argument BASE), rebuilt only when
 * its inputs change. The base is either a registry image (`golang:1.26-bookworm`) or the
 * special value `local`: a base image made on this machine (debootstrap of the host's Debian
 * release + the host's Go toolchain, imported with `docker import`), for machines that cannot
 * reach a registry. Both paths then build the same Dockerfile, so the lab behaves the same.
 */
import { spawn, execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import { daemonMessage, isDiskFull, LabBaseImageError, LabCancelledError, LabDiskFullError, LabImageBuildError, LabPullError } from './errors';
import type { LabImageOptions, LabProgress } from './types';

const execFileP = promisify(execFile);

/** Repository of the built lab images; the tag is the input hash. */
export const LAB_IMAGE_REPO = 'golab-lab';
/** Repository of the `local` base images; the tag is `<go version>-<hash>`. */
export const LOCAL_BASE_REPO = 'golab-base';
/** Label holding the full input hash of a lab image (the tag holds only a prefix). */
export const LAB_HASH_LABEL = 'golab.lab.hash';
/**
 * Label of a `local` base image: how long making its rootfs (debootstrap + Go copy) took, in
 * ms, so the benchmark can report the cold cost later. The import time is not known until the
 * image exists, too late for a label.
 */
export const BASE_ROOTFS_MS_LABEL = 'golab.base.rootfsMs';
/** The baseImage value that selects a base image made on this machine. */
export const LOCAL_BASE = 'local';

/**
 * Files of `labDir` sent as the build context. The Dockerfile COPYs nothing, so the context is
 * the Dockerfile alone: examples and the base script next to it must not trigger rebuilds.
 */
const CONTEXT_FILES = ['Dockerfile'];

export type ProgressFn = (p: LabProgress) => void;

function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new LabCancelledError(what);
}

/** True when the daemon has an image by this name or id. */
async function imageInspect(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The `local` base image
// ---------------------------------------------------------------------------------------------

/** One entry of the host's apt sources. */
interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
}

/** Parses one-line (`deb [opts] URI suite comps`) and deb822 (`URIs:`/`Suites:`) apt sources. */
export function parseAptSources(text: string, deb822: boolean): AptSource[] {
  const out: AptSource[] = [];
  if (!deb822) {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
      if (m) out.push({ uri: m[1], suites: [m[2]], components: m[3].split(/\s+/).filter(Boolean) });
    }
    return out;
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      const m = /^([\w-]+):\s*(.*)$/.exec(raw);
      if (m) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb') || fields.get('enabled') === 'no') continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    const components = (fields.get('components') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) out.push({ uri, suites, components });
  }
  return out;
}

/** The host's Debian/Ubuntu release codename (VERSION_CODENAME of /etc/os-release). */
export function hostSuite(osRelease = '/etc/os-release'): string | undefined {
  try {
    const m = /^VERSION_CODENAME="?([\w-]+)"?/m.exec(fs.readFileSync(osRelease, 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The mirror the host itself installs `suite` from, read from its apt sources. Never a built-in
 * host name: the machine's own sources are what is known to be reachable (and allowed) here.
 */
export function hostDebianMirror(suite: string, aptDir = '/etc/apt'): string | undefined {
  const files: Array<{ file: string; deb822: boolean }> = [{ file: path.join(aptDir, 'sources.list'), deb822: false }];
  const dir = path.join(aptDir, 'sources.list.d');
  if (fs.existsSync(dir)) {
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.endsWith('.list')) files.push({ file: path.join(dir, name), deb822: false });
      else if (name.endsWith('.sources')) files.push({ file: path.join(dir, name), deb822: true });
    }
  }
  for (const { file, deb822 } of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const hit = parseAptSources(text, deb822).find((s) => s.suites.includes(suite) && s.components.includes('main'));
    if (hit) return hit.uri;
  }
  return undefined;
}

/** The host's Go: version (`go1.26.8`) and GOROOT, from `go env`. */
export async function hostGo(goBinary = 'go'): Promise<{ version: string; goroot: string }> {
  try {
    const { stdout } = await execFileP(goBinary, ['env', 'GOVERSION', 'GOROOT'], { encoding: 'utf8' });
    const [version, goroot] = stdout.trim().split('\n');
    if (!version || !goroot) throw new Error(`unexpected output of go env: ${stdout}`);
    return { version, goroot };
  } catch (e) {
    throw new LabBaseImageError(
      `The local lab base image copies the host's Go toolchain, but \`${goBinary} env\` failed (${(e as Error).message}). ` +
        'Install Go (https://go.dev/doc/install) or set golab.lab.baseImage to a golang image from a registry.',
      '',
      { cause: e },
    );
  }
}

/** Mount points at or below `dir` (debootstrap mounts /proc and /sys in its chroot). */
function mountsBelow(dir: string): string[] {
  try {
    return fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
      .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

/**
 * Removes a rootfs directory, first unmounting what a killed debootstrap may have left mounted
 * in it: a recursive delete through a bind of /proc or /sys would be harmful.
 */
async function removeRootfs(dir: string): Promise<void> {
  for (const m of mountsBelow(dir)) {
    await execFileP('umount', ['-l', m]).catch(() => undefined);
  }
  if (mountsBelow(dir).length > 0) return; // leave it rather than delete through a mount
  await fs.promises.rm(dir, { recursive: true, force: true });
}

/** Runs a command, streaming its output lines to `onLine`; rejects with the log tail on failure. */
function runLogged(cmd: string, args: string[], onLine: (line: string) => void, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so cancelling stops debootstrap's children (dpkg, wget) too.
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        log += line + '\n';
        onLine(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const onAbort = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      log += partial;
      if (code === 0) resolve(log);
      else reject(Object.assign(new Error(`${cmd} exited with ${code ?? sig}`), { log, exitCode: code }));
    });
  });
}

/**
 * Reads a docker JSON progress stream to its end, calling `onEvent` per message. An exception
 * from `onEvent` (an `error` message) rejects once the stream ends, instead of escaping from
 * the stream's data handler as an uncaught exception.
 */
function followStream(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (ev: DockerStreamEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : failure ? reject(failure) : resolve()),
      (ev: DockerStreamEvent) => {
        try {
          onEvent(ev);
        } catch (e) {
          failure ??= e;
        }
      },
    );
  });
}

/** One message of the daemon's build / import / pull JSON stream. */
interface DockerStreamEvent {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Result of making (or finding) the `local` base image. */
export interface LocalBaseImage {
  tag: string;
  /** False when it was already there (made once per Go version and script). */
  built: boolean;
  /** Time to make the rootfs and import it, when built now. */
  buildMs?: number;
  /** Time to make the rootfs (debootstrap + Go copy): measured now, or stored on the image. */
  rootfsMs?: number;
}

/** Options of the local base image beyond LabImageOptions (tests and odd hosts). */
export interface LocalBaseOptions {
  labDir: string;
  /** Debian mirror; default: the one of the host's apt sources for its release. */
  debianMirror?: string;
  /** The `go` binary whose toolchain is copied; default `go` on PATH. */
  goBinary?: string;
}

/**
 * Makes the `local` base image once per (Go version, rootfs script, Debian release): runs
 * lab/base/rootfs.sh (debootstrap --variant=minbase + gcc, libc6-dev, ca-certificates + the
 * host's GOROOT) into a temporary directory and streams it as a tar into `docker import`.
 */
export async function ensureLocalBaseImage(
  docker: Docker,
  options: LocalBaseOptions,
  onProgress: ProgressFn = () => undefined,
  signal?: AbortSignal,
): Promise<LocalBaseImage> {
  const script = path.join(options.labDir, 'base', 'rootfs.sh');
  if (!fs.existsSync(script)) throw new LabBaseImageError(`The base image script ${script} is missing from the extension.`, '');
  const suite = hostSuite();
  if (!suite) {
    throw new LabBaseImageError(
      'golab.lab.baseImage "local" builds the base image from the host\'s Debian/Ubuntu release, but /etc/os-release names none. ' +
        'Set golab.lab.baseImage to a golang image from a registry (e.g. golang:1.26-bookworm).',
      '',
    );
  }
  const go = await hostGo(options.goBinary);
  const hash = createHash('sha256')
    .update(fs.readFileSync(script))
    .update(`\0${suite}\0${go.version}\0${os.arch()}`)
    .digest('hex')
    .slice(0, 12);
  const tag = `${LOCAL_BASE_REPO}:${go.version}-${hash}`;
  const existing = await imageInspect(docker, tag);
  if (existing) {
    const stored = Number(existing.Config?.Labels?.[BASE_ROOTFS_MS_LABEL]);
    return { tag, built: false, rootfsMs: Number.isFinite(stored) ? stored : undefined };
  }

  const mirror = options.debianMirror ?? hostDebianMirror(suite);
  if (!mirror) {
    throw new LabBaseImageError(
      `No Debian mirror for "${suite}" with component main in /etc/apt/sources.list or /etc/apt/sources.list.d; ` +
        'the local base image is fetched from the mirror this machine installs its packages from.',
      '',
    );
  }
  const started = performance.now();
  const rootfs = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'golab-rootfs-'));
  let log: string;
  try {
    // debootstrap prints "I: Retrieving X", "I: Unpacking X", "I: Configuring X"; the phases
    // give a rough percentage (downloads are fast next to unpacking and configuring).
    const phase: Record<string, [number, number]> = { Retrieving: [0, 25], Extracting: [25, 35], Unpacking: [35, 55], Configuring: [55, 80] };
    const counts = new Map<string, number>();
    let maxPct = 0;
    onProgress({ message: `Making the local lab base image (${go.version}, Debian ${suite}): debootstrap`, percent: 0 });
    try {
      log = await runLogged(
        'bash',
        [script, rootfs, go.goroot, suite, mirror],
        (line) => {
          const m = /^I: (\w+) (\S+)/.exec(line);
          const range = m && phase[m[1]];
          if (m && range) {
            const n = (counts.get(m[1]) ?? 0) + 1;
            counts.set(m[1], n);
            // ~150 packages in minbase + gcc; saturate rather than overshoot the phase.
            // debootstrap unpacks and configures twice (required, then base packages): never
            // let the bar go backwards.
            maxPct = Math.max(maxPct, range[0] + (range[1] - range[0]) * Math.min(1, n / 150));
            onProgress({ message: `local base image: ${m[1].toLowerCase()} ${m[2]}`, percent: Math.round(maxPct) });
          } else if (line.startsWith('step: copying Go')) {
            onProgress({ message: 'local base image: copying the Go toolchain', percent: 80 });
          }
        },
        signal,
      );
    } catch (e) {
      throwIfAborted(signal, 'local base image');
      const failedLog = (e as { log?: string }).log ?? '';
      if (/No space left on device/i.test(failedLog)) throw new LabDiskFullError('making the local base image rootfs', { cause: e });
      throw new LabBaseImageError(
        `Making the local lab base image failed (${(e as Error).message}). debootstrap needs root and access to ${mirror}.`,
        failedLog,
        { cause: e },
      );
    }
    const rootfsMs = Math.round(performance.now() - started);

    onProgress({ message: 'local base image: importing into Docker', percent: 85 });
    // GNU tar writes the rootfs stream: it alone handles the device nodes, hard links and
    // ownership a Debian rootfs has, which tar-stream's packer would need re-implementing.
    const tarProc = spawn('tar', ['--numeric-owner', '-C', rootfs, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarErr = '';
    tarProc.stderr.on('data', (c: Buffer) => (tarErr += c.toString()));
    const tarDone = new Promise<number | null>((resolve) => tarProc.on('close', resolve));
    const onAbort = () => tarProc.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const [repo, tagName] = tag.split(':');
      const stream = await docker.importImage(tarProc.stdout, {
        repo,
        tag: tagName,
        changes: [`LABEL ${BASE_ROOTFS_MS_LABEL}=${rootfsMs} golab.base.go=${go.version} golab.base.suite=${suite}`, 'CMD ["/bin/bash"]'],
        abortSignal: signal,
      });
      await followStream(docker, stream, (ev) => {
        if (ev.error) throw new Error(ev.errorDetail?.message ?? ev.error);
      });
      const tarCode = await tarDone;
      if (tarCode !== 0) throw new Error(`tar exited with ${tarCode}: ${tarErr}`);
    } catch (e) {
      throwIfAborted(signal, 'local base image');
      if (isDiskFull(e)) throw new LabDiskFullError(daemonMessage(e), { cause: e });
      throw new LabBaseImageError(`Importing the local lab base image failed: ${daemonMessage(e)}`, log + tarErr, { cause: e });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (tarProc.exitCode === null) tarProc.kill('SIGTERM');
    }
    const buildMs = Math.round(performance.now() - started);
    onProgress({ message: `local base image ${tag} made in ${(buildMs / 1000).toFixed(0)} s`, percent: 90 });
    return { tag, built: true, buildMs, rootfsMs };
  } finally {
    await removeRootfs(rootfs);
  }
}

// ---------------------------------------------------------------------------------------------
// The lab image
// ---------------------------------------------------------------------------------------------

/** The build context as a tar stream (tar-stream), and the hash of its contents. */
function buildContext(labDir: string): { files: Array<{ name: string; data: Buffer }>; hash: string } {
  const h = createHash('sha256');
  const files: Array<{ name: string; data: Buffer }> = [];
  for (const name of CONTEXT_FILES) {
    const file = path.join(labDir, name);
    if (!fs.existsSync(file)) throw new LabImageBuildError(`The lab Dockerfile ${file} is missing.`, '');
    const data = fs.readFileSync(file);
    files.push({ name, data });
    h.update(`${name}\0${data.length}\0`).update(data);
  }
  return { files, hash: h.digest('hex') };
}

function packContext(files: Array<{ name: string; data: Buffer }>): NodeJS.ReadableStream {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data);
  pack.finalize();
  // tar-stream 3 packs into a streamx Readable; it has the pipe() dockerode feeds the request
  // with, but not every member of Node's ReadableStream type.
  return pack as unknown as NodeJS.ReadableStream;
}

/** Pulls a registry base image that is not on the daemon yet, with progress. */
async function pullBase(docker: Docker, image: string, onProgress: ProgressFn, signal?: AbortSignal): Promise<void> {
  onProgress({ message: `Pulling ${image}` });
  try {
    const stream = await docker.pull(image, { abortSignal: signal });
    await followStream(docker, stream, (ev) => {
      if (ev.error) throw new Error(ev.errorDetail?.message ?? ev.error);
      if (ev.status) onProgress({ message: `Pulling ${image}: ${ev.status}${ev.progress ? ' ' + ev.progress : ''}` });
    });
  } catch (e) {
    throwIfAborted(signal, 'lab image');
    if (isDiskFull(e)) throw new LabDiskFullError(daemonMessage(e), { cause: e });
    throw new LabPullError(
      `Cannot pull the lab base image ${image} (${daemonMessage(e)}). Without access to a registry set golab.lab.baseImage to "local": ` +
        'the base image is then made on this machine from its Go toolchain and Debian packages.',
      '',
      { cause: e },
    );
  }
}

/**
 * Returns the tag of a lab image built from `options.labDir`/Dockerfile on `options.baseImage`,
 * building it first when no image with the same inputs exists. The inputs are hashed (the
 * Dockerfile and context, the base image's id), so a changed Dockerfile or a new base (a new
 * Go version for `local`) rebuilds and anything else reuses. The build log is kept and shown
 * in the LabImageBuildError if the build fails.
 */
export async function ensureLabImage(
  docker: Docker,
  options: LabImageOptions & Partial<LocalBaseOptions>,
  onProgress: ProgressFn = () => undefined,
  signal?: AbortSignal,
): Promise<string> {
  throwIfAborted(signal, 'lab image');
  let base = options.baseImage;
  if (base === LOCAL_BASE) {
    base = (await ensureLocalBaseImage(docker, { ...options, labDir: options.labDir }, onProgress, signal)).tag;
  }
  let baseInfo = await imageInspect(docker, base);
  if (!baseInfo) {
    await pullBase(docker, base, onProgress, signal);
    baseInfo = await imageInspect(docker, base);
    if (!baseInfo) throw new LabImageBuildError(`The base image ${base} is still missing after pulling it.`, '');
  }
  const context = buildContext(options.labDir);
  const hash = createHash('sha256').update(context.hash).update(`\0${baseInfo.Id}`).digest('hex');
  const tag = `${LAB_IMAGE_REPO}:${hash.slice(0, 16)}`;
  const existing = await imageInspect(docker, tag);
  if (existing?.Config?.Labels?.[LAB_HASH_LABEL] === hash) return tag;

  onProgress({ message: `Building the lab image on ${base}`, percent: 0 });
  let log = '';
  try {
    const stream = await docker.buildImage(packContext(context.files), {
      t: tag,
      buildargs: { BASE: base },
      labels: { [LAB_HASH_LABEL]: hash, 'golab.lab.base': base },
      // Intermediate containers go even when a step fails, so no build debris stays behind.
      rm: true,
      forcerm: true,
      // No `pull`: the base was checked or pulled above (and `local` exists nowhere else).
      abortSignal: signal,
    });
    await followStream(docker, stream, (ev) => {
      if (ev.stream) {
        log += ev.stream;
        const m = /^Step (\d+)\/(\d+) : (.*)/.exec(ev.stream);
        if (m) onProgress({ message: `lab image: ${m[3].trim()}`, percent: Math.round((100 * (Number(m[1]) - 1)) / Number(m[2])) });
      }
      if (ev.error) {
        log += ev.error + '\n';
        throw new Error(ev.errorDetail?.message ?? ev.error);
      }
    });
  } catch (e) {
    throwIfAborted(signal, 'lab image');
    if (isDiskFull(e) || /no space left on device/i.test(log)) throw new LabDiskFullError(daemonMessage(e), { cause: e });
    throw new LabImageBuildError(`Building the lab image on ${base} failed: ${daemonMessage(e)}`, log, { cause: e });
  }
  if (!(await imageInspect(docker, tag))) throw new LabImageBuildError(`The lab image build ended without producing ${tag}.`, log);
  onProgress({ message: `lab image ${tag} ready`, percent: 100 });
  return tag;
}
