/**
 * Probing a Go process that runs in a container (a lab run, a compose service): bpftrace runs in
 * a sidecar container that shares the target's PID namespace and has the privileges BPF needs,
 * so neither golab nor the target's container needs them, and golab's own user only needs
 * Docker. The sidecar uses the lab image (its Go finds the probe points with `go tool objdump`)
 * and mounts the self-contained bpftrace of lab/bpftrace/install.sh read-only. It is labelled
 * like every lab container, so a sidecar whose golab died is removed by the leftover sweep; and
 * it is removed on stop, when the target exits, and when it cannot start.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough, type Readable } from 'stream';
import { StringDecoder } from 'string_decoder';
import type Docker from 'dockerode';
import type { DockerConnection } from '../lab/docker';
import { asSystemError } from '../lab/errors';
import { GOCACHE_PATH, GOCACHE_VOLUME, LAB_LABEL, OWNER_LABEL, ownerLabel, toHostPath, WORKSPACE_LABEL } from '../lab/runner';
import { bpftraceScript, BpftraceReader, explainBpftraceError, ATTACH_TIMEOUT_MS } from './bpftrace';
import type { FunctionStats } from './events';
import { ProbeError, ProbeRunBase, within } from './session';
import { declarationLine, parseObjdump, type ProbeMiss, type ProbeTarget, selectTargets } from './symbols';

/** Where lab/bpftrace/install.sh unpacks bpftrace (with a launcher `bpftrace` inside). */
export const BPFTRACE_PREFIX = process.env.GOLAB_BPFTRACE_PREFIX || '/opt/golab/bpftrace';

/** Label naming the container a probe sidecar watches. */
export const PROBE_TARGET_LABEL = 'golab.probe.target';

/**
 * The sidecar's privileges. CAP_SYS_ADMIN covers BPF and perf events on every kernel (CAP_BPF
 * and CAP_PERFMON are newer than some Docker engines know); SYS_PTRACE and DAC_READ_SEARCH
 * reach the target's binary through /proc/PID/root. Not `Privileged`: that asks for every
 * capability, and engines whose own bounding set lacks one (e.g. CAP_SYS_RESOURCE in some
 * sandboxes) refuse to start such a container.
 */
export const SIDECAR_CAPS = ['SYS_ADMIN', 'SYS_PTRACE', 'DAC_READ_SEARCH'] as const;

export interface ContainerProbeOptions {
  conn: DockerConnection;
  /** Container id or name. */
  container: string;
  /** The process in the container's PID namespace (default 1, its main process). */
  pid?: number;
  patterns: readonly string[];
  /** The sidecar image; it must have Go (the lab image). */
  image: string;
  prefix?: string;
  onSnapshot?: (stats: FunctionStats[]) => void;
  intervalMs?: number;
}

/** The PID in the initial namespace of process `nsPid` of a container whose main process is `mainPid` there. */
export function hostPidOf(nsPid: number, mainPid: number, containerId: string, proc = '/proc'): number | undefined {
  if (nsPid === 1) return mainPid;
  for (const name of fs.readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = fs.readFileSync(path.join(proc, name, 'status'), 'utf8');
      // NSpid lists the PID in each namespace from the initial one inward.
      const ns = /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/).map(Number) ?? [];
      if (ns.length < 2 || ns[ns.length - 1] !== nsPid) continue;
      if (fs.readFileSync(path.join(proc, name, 'cgroup'), 'utf8').includes(containerId)) return Number(name);
    } catch {
      // Gone meanwhile, or not readable.
    }
  }
  return undefined;
}

/**
 * Runs a command in a container; resolves with its output and exit code. `onStream` gets the
 * attached stream, so a long-running command's connection can be closed by its owner: a stream
 * of an exec whose container is gone may never end by itself, and would keep the process alive.
 */
async function execIn(
  docker: Docker,
  ctr: Docker.Container,
  cmd: string[],
  onOut?: (t: string) => void,
  onErr?: (t: string) => void,
  onStream?: (s: Readable) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const exec = await ctr.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
  onStream?.(stream);
  let stdout = '';
  let stderr = '';
  const out = new PassThrough();
  const err = new PassThrough();
  const outText = new StringDecoder('utf8');
  const errText = new StringDecoder('utf8');
  out.on('data', (b: Buffer) => {
    const t = outText.write(b);
    if (onOut) onOut(t);
    else stdout += t;
  });
  err.on('data', (b: Buffer) => {
    const t = errText.write(b);
    if (onErr) onErr(t);
    else stderr += t;
  });
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  const info = await exec.inspect().catch(() => undefined);
  return { code: info?.ExitCode ?? null, stdout, stderr };
}

const PIDFILE = '/tmp/golab-bpftrace.pid';

/** A probe session run by bpftrace in a sidecar container. */
export class SidecarSession extends ProbeRunBase {
  readonly engine = 'bpftrace';

  private constructor(
    private readonly docker: Docker,
    private readonly sidecar: Docker.Container,
    private readonly reader: BpftraceReader,
    readonly targets: ProbeTarget[],
    readonly misses: ProbeMiss[],
    /** The PID in the container's namespace. */
    readonly pid: number,
    /** The sidecar's name (for messages). */
    readonly name: string,
    /** Closes the connection that carries bpftrace's output. */
    private readonly closeStream: () => void,
  ) {
    super();
  }

  static async start(opts: ContainerProbeOptions): Promise<SidecarSession> {
    const { docker } = opts.conn;
    const prefix = opts.prefix ?? BPFTRACE_PREFIX;
    if (!fs.existsSync(path.join(prefix, 'bpftrace'))) {
      throw new ProbeError(`probing in a container needs the self-contained bpftrace of lab/bpftrace/install.sh at ${prefix} (run it as root; GOLAB_BPFTRACE_PREFIX names another place)`, 'unsupported');
    }
    let target: Docker.ContainerInspectInfo;
    try {
      target = await docker.getContainer(opts.container).inspect();
    } catch (e) {
      if (asSystemError(e).statusCode === 404) throw new ProbeError(`no container "${opts.container}"`, 'target');
      throw e;
    }
    if (!target.State.Running || !target.State.Pid) throw new ProbeError(`container ${target.Name.replace(/^\//, '')} is not running`, 'target');
    const nsPid = opts.pid ?? 1;
    const hostPid = hostPidOf(nsPid, target.State.Pid, target.Id);
    if (hostPid === undefined) throw new ProbeError(`no process ${nsPid} in container ${target.Name.replace(/^\//, '')}`, 'target');

    const name = `golab-probe-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    let sidecar: Docker.Container;
    try {
      sidecar = await docker.createContainer({
        name,
        Image: opts.image,
        Cmd: ['sleep', 'infinity'],
        Labels: { [LAB_LABEL]: '1', [OWNER_LABEL]: ownerLabel(), [PROBE_TARGET_LABEL]: target.Id },
        HostConfig: {
          PidMode: `container:${target.Id}`,
          CapAdd: [...SIDECAR_CAPS],
          // BPF syscalls and perf_event_open are outside Docker's default seccomp profile.
          SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
          NetworkMode: 'none',
          // The lab's build cache: Go builds `go tool objdump` on first use (20 s), once for all runs.
          Binds: [`${prefix}:${prefix}:ro`, `${GOCACHE_VOLUME}:${GOCACHE_PATH}`],
        },
      });
    } catch (e) {
      throw new ProbeError(`Docker refused the probe sidecar (it needs ${SIDECAR_CAPS.join(', ')} and the target's PID namespace; rootless Docker cannot grant them): ${asSystemError(e).message}`, 'permission');
    }
    let closeStream = () => undefined as void;
    const remove = async () => {
      await sidecar.remove({ force: true }).catch(() => undefined);
      closeStream();
    };
    try {
      try {
        await sidecar.start();
      } catch (e) {
        throw new ProbeError(`the probe sidecar did not start (${SIDECAR_CAPS.join(', ')} and seccomp=unconfined are needed): ${asSystemError(e).message}`, 'permission');
      }
      const exe = await execIn(docker, sidecar, ['readlink', `/proc/${nsPid}/exe`]);
      if (exe.code !== 0 || !exe.stdout.trim()) throw new ProbeError(`cannot read the executable of process ${nsPid} in the container: ${exe.stderr.trim()}`, 'target');
      // The target's own file system, seen through its process: the same inode the uprobes must be on.
      const binary = `/proc/${nsPid}/root${exe.stdout.trim().replace(/ \(deleted\)$/, '')}`;
      const regex = opts.patterns.map((p) => `^(?:${p})$`).join('|');
      const dump = await execIn(docker, sidecar, ['go', 'tool', 'objdump', '-s', regex, binary]);
      if (dump.code !== 0) throw new ProbeError(`go tool objdump failed in the sidecar: ${dump.stderr.trim() || `exit ${dump.code}`}`, 'target');
      const files = new Map<string, string>();
      const { targets, misses } = selectTargets(parseObjdump(dump.stdout, files), opts.patterns, files);
      if (targets.length === 0) throw new ProbeError(misses.map((m) => m.message).join('\n') || 'no function to probe', 'notFound');
      // Source paths of a lab run are under the mounted workspace: show them as the host's files.
      const workspace = target.Config.Labels?.[WORKSPACE_LABEL];
      if (workspace) for (const t of targets) if (t.file) t.file = toHostPath(t.file, workspace) ?? t.file;
      for (const t of targets) if (t.file && t.line) t.line = declarationLine(t.file, t.line);

      const reader = new BpftraceReader(targets.map((t) => t.name));
      const script = bpftraceScript(binary, targets, { hostTgid: hostPid });
      let stream: Readable | undefined;
      const run = execIn(docker, sidecar, ['sh', '-c', `echo $$ > ${PIDFILE} && exec "$0" "$@"`, path.join(prefix, 'bpftrace'), '-f', 'json', '-e', script], (t) => reader.out(t), (t) => reader.err(t), (st) => (stream = st));
      closeStream = () => stream?.destroy();
      void run.then(
        (r) => reader.end(r.code),
        (e: unknown) => reader.end(null, e instanceof Error ? e : new Error(String(e))),
      );
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          reader.attached,
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ProbeError(`bpftrace did not attach within ${ATTACH_TIMEOUT_MS / 1000} s`, 'target')), ATTACH_TIMEOUT_MS))),
        ]);
      } catch (e) {
        if (e instanceof ProbeError) throw e;
        const { message, reason } = explainBpftraceError(reader.stderr, { path: `${name}:${prefix}/bpftrace`, version: 'in the sidecar', offsets: true });
        throw new ProbeError(message, reason);
      } finally {
        clearTimeout(timer);
      }
      const session = new SidecarSession(docker, sidecar, reader, targets, misses, nsPid, name, closeStream);
      // The target's host PID disappears when it exits (its container's namespace dies with
      // PID 1, taking the sidecar's bpftrace along).
      session.watch(opts, { pollPid: hostPid });
      return session;
    } catch (e) {
      await remove();
      throw e;
    }
  }

  snapshot(): FunctionStats[] {
    return this.reader.snapshot(performance.now());
  }

  /** Stops bpftrace (SIGINT: it detaches and prints the final counts), then removes the sidecar. */
  protected async detach(): Promise<number> {
    if (this.reason !== 'exited') {
      await this.reader.caughtUp();
      await execIn(this.docker, this.sidecar, ['sh', '-c', `kill -INT "$(cat ${PIDFILE})"`]).catch(() => undefined);
      await within(this.reader.exited, 10_000);
    }
    // After the target's exit bpftrace is already gone, but its exec stream only ends with the container.
    await this.sidecar.remove({ force: true }).catch(() => undefined);
    if (!(await within(this.reader.exited, 2000))) this.closeStream();
    return this.reader.lost;
  }
}
