/**
 * The tracefs engine's probe session: uprobes on Go functions of one process (a running PID or
 * a binary it starts), read live from a private tracefs instance, and removed again on stop.
 * Nothing it creates (uprobe events, trace instance, reader process) outlives `stop()`, also
 * when the target exits. Also the types both engines share (options, result, errors).
 */
import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { type FunctionStats, parseLostLine, parseTraceLine, probePoints, StatsAccumulator, uprobeDefinitions } from './events';
import { fileOffsetOf, findTargets, type ProbeMiss, type ProbeTarget } from './symbols';

/** Why probes cannot run here; `message` says what to do about it. */
export class ProbeError extends Error {
  constructor(
    message: string,
    readonly reason: 'permission' | 'tracefs' | 'lockdown' | 'unsupported' | 'target' | 'notFound',
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** Where tracefs is normally mounted. */
export const TRACEFS = '/sys/kernel/tracing';

/** What to probe. */
export interface ProbeOptions {
  /** Function name patterns (regular expressions matched against whole Go symbol names). */
  patterns: readonly string[];
  /** Attach to this running process... */
  pid?: number;
  /** ...or start this binary with `args`. */
  binary?: string;
  args?: readonly string[];
  /** Output of a started binary. */
  onOutput?: (text: string) => void;
  /** Called with fresh stats every `intervalMs` (default 1000). */
  onSnapshot?: (stats: FunctionStats[]) => void;
  intervalMs?: number;
  tracefs?: string;
  goBinary?: string;
}

/** The two ways of probing: bpftrace (BPF programs on uprobes), or uprobe events in tracefs. */
export type ProbeEngine = 'bpftrace' | 'tracefs';

/** A running session of either engine. */
export interface ProbeRun {
  readonly engine: ProbeEngine;
  readonly targets: ProbeTarget[];
  readonly misses: ProbeMiss[];
  readonly pid: number;
  /** Settles when the target exits. */
  readonly ended: Promise<void>;
  snapshot(): FunctionStats[];
  stop(): Promise<ProbeResult>;
}

/** How a session ended, with the final stats. */
export interface ProbeResult {
  engine: ProbeEngine;
  functions: FunctionStats[];
  misses: ProbeMiss[];
  targets: ProbeTarget[];
  pid: number;
  /** Why it stopped. */
  reason: 'stopped' | 'exited';
  /** Exit code of a started binary, or null. */
  exitCode: number | null;
  /** Events the kernel dropped because the reader fell behind: counts are exact only when 0. */
  lost: number;
  durationMs: number;
}

/** Where the kernel says whether it is locked down. */
export const LOCKDOWN = '/sys/kernel/security/lockdown';

/** Throws when the kernel's lockdown forbids tracing (any engine). */
export function checkLockdown(file = LOCKDOWN): void {
  if (/\[confidentiality\]/.test(readOr(file, ''))) {
    throw new ProbeError('the kernel is locked down (confidentiality mode), which forbids tracing; boot without lockdown=confidentiality (or disable Secure Boot lockdown)', 'lockdown');
  }
}

/** Checks what uprobes via tracefs need, throwing a ProbeError that says how to fix it. */
export function checkProbeSupport(tracefs = TRACEFS, lockdown = LOCKDOWN): void {
  checkLockdown(lockdown);
  if (process.getuid?.() !== 0) {
    throw new ProbeError('probes need root: defining uprobes in tracefs is root-only (CAP_BPF/CAP_PERFMON are not enough for tracefs); run with sudo', 'permission');
  }
  if (!fs.existsSync(path.join(tracefs, 'uprobe_events'))) {
    if (fs.existsSync(tracefs) && !fs.existsSync(path.join(tracefs, 'trace'))) {
      throw new ProbeError(`tracefs is not mounted at ${tracefs}: mount it with "mount -t tracefs nodev ${tracefs}"`, 'tracefs');
    }
    throw new ProbeError(`${tracefs}/uprobe_events is missing: the kernel lacks CONFIG_UPROBE_EVENTS, or tracefs is not mounted ("mount -t tracefs nodev ${tracefs}")`, 'unsupported');
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * What the sessions of every engine share: live snapshots, watching the target end (a started
 * child's exit, or a PID disappearing), stopping a started target, and an idempotent stop()
 * whose result is assembled the same way. An engine detaches its probes in `detach`.
 */
export abstract class ProbeRunBase implements ProbeRun {
  abstract readonly engine: ProbeEngine;
  abstract readonly targets: ProbeTarget[];
  abstract readonly misses: ProbeMiss[];
  abstract readonly pid: number;
  private stopping: Promise<ProbeResult> | undefined;
  private readonly t0 = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private exitPoll: NodeJS.Timeout | undefined;
  /** 'exited' once the target ended on its own (not killed by stop()). */
  protected reason: ProbeResult['reason'] = 'stopped';
  private exitCode: number | null = null;
  private resolveEnded!: () => void;
  /** Settles when the target exits (a started binary, or a watched PID). */
  readonly ended = new Promise<void>((r) => (this.resolveEnded = r));

  /** Current stats without ending the session. */
  abstract snapshot(): FunctionStats[];

  /** Detaches the probes and reads what is still buffered; resolves with the events lost. */
  protected abstract detach(): Promise<number>;

  /** Starts the snapshots every `intervalMs` and the watch on the target's end. */
  protected watch(opts: { onSnapshot?: (stats: FunctionStats[]) => void; intervalMs?: number }, target: { child: ChildProcess } | { pollPid: number }): void {
    this.timer = setInterval(() => opts.onSnapshot?.(this.snapshot()), opts.intervalMs ?? 1000);
    const ended = () => {
      // Killed by stop() is "stopped", not the program ending on its own.
      if (!this.stopping) this.reason = 'exited';
      this.resolveEnded();
    };
    if ('child' in target) {
      target.child.on('exit', (code) => {
        this.exitCode = code;
        ended();
      });
    } else {
      // A PID we did not start gives no exit event: poll for it.
      const proc = `/proc/${target.pollPid}`;
      this.exitPoll = setInterval(() => {
        if (!fs.existsSync(proc)) ended();
      }, 200);
    }
  }

  /** Stops a started target that still runs: SIGINT, and SIGKILL after 2 s. */
  protected async stopChild(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    if (!(await within(this.ended, 2000))) child.kill('SIGKILL');
  }

  /** Detaches everything (see the engine's `detach`). Idempotent. */
  stop(): Promise<ProbeResult> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<ProbeResult> {
    // How long the probes ran: until stop was asked for (draining and detaching are not probing).
    const stoppedAt = performance.now();
    clearInterval(this.timer);
    clearInterval(this.exitPoll);
    const lost = await this.detach();
    this.resolveEnded();
    return {
      engine: this.engine,
      functions: this.snapshot(),
      misses: this.misses,
      targets: this.targets,
      pid: this.pid,
      reason: this.reason,
      exitCode: this.exitCode,
      lost,
      durationMs: stoppedAt - this.t0,
    };
  }
}

let sessions = 0;

/** A running probe session of the tracefs engine. */
export class ProbeSession extends ProbeRunBase {
  readonly engine = 'tracefs';
  private lost = 0;

  private constructor(
    private readonly tracefs: string,
    private readonly group: string,
    private readonly events: readonly string[],
    private readonly acc: StatsAccumulator,
    private readonly reader: ChildProcess,
    readonly targets: ProbeTarget[],
    readonly misses: ProbeMiss[],
    readonly pid: number,
    private readonly child: ChildProcess | undefined,
  ) {
    super();
  }

  /** Finds the functions, defines and enables the uprobes, starts the target if asked, and begins reading. */
  static async start(opts: ProbeOptions): Promise<ProbeSession> {
    const tracefs = opts.tracefs ?? TRACEFS;
    checkProbeSupport(tracefs);
    if ((opts.pid === undefined) === (opts.binary === undefined)) throw new ProbeError('give either a PID or a binary to start', 'target');
    const binary = opts.pid !== undefined ? executableOf(opts.pid) : binaryToStart(opts.binary ?? '');
    const { targets, misses } = await findTargets(binary, opts.patterns, opts.goBinary);
    if (targets.length === 0) throw new ProbeError(misses.map((m) => m.message).join('\n') || 'no function to probe', 'notFound');
    const elf = fs.readFileSync(binary);
    const points = probePoints(targets, (v) => fileOffsetOf(elf, v));
    // Names unique per golab process and session, so two sessions never share or remove each other's probes.
    const group = `golab_${process.pid}_${++sessions}`;
    const instance = path.join(tracefs, 'instances', group);
    const defs = uprobeDefinitions(group, binary, points);
    const defined: string[] = [];
    const undo = () => cleanup(tracefs, group, defined);
    try {
      for (let i = 0; i < defs.length; i++) {
        fs.appendFileSync(path.join(tracefs, 'uprobe_events'), `${defs[i]}\n`);
        defined.push(points[i].event);
      }
      // A private instance: its own buffer and clock, and nobody else's events in our pipe.
      fs.mkdirSync(instance);
      // The default per-CPU clock is not comparable across CPUs; a goroutine may return on another one.
      fs.writeFileSync(path.join(instance, 'trace_clock'), 'mono');
      fs.writeFileSync(path.join(instance, 'buffer_size_kb'), '16384');
    } catch (e) {
      undo();
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EACCES' || err.code === 'EPERM') throw new ProbeError(`cannot define uprobes (${err.message}): run as root`, 'permission');
      throw new ProbeError(`cannot define uprobes on ${binary}: ${err.message} (see ${tracefs}/error_log)`, 'unsupported');
    }
    const acc = new StatsAccumulator(
      targets.map((t) => t.name),
      points,
      performance.now(),
    );
    let child: ChildProcess | undefined;
    let pid = opts.pid ?? 0;
    try {
      if (opts.binary !== undefined) {
        // The kernel PID filter is set while the target is still one stopped thread, and
        // event-fork adds every thread the Go runtime starts.
        ({ child, pid } = await spawnStopped(binary, opts.args ?? [], opts.onOutput));
        filterPids(instance, [pid]);
        enable(instance, group);
        process.kill(pid, 'SIGCONT');
      } else {
        // Filter first, then enable: other processes running the same binary never reach the buffer.
        filterPids(instance, threadsOf(pid));
        enable(instance, group);
      }
    } catch (e) {
      if (child?.pid !== undefined) child.kill('SIGKILL');
      undo();
      throw e instanceof ProbeError ? e : new ProbeError(`cannot start probing: ${e instanceof Error ? e.message : String(e)}`, 'target');
    }
    // `cat` in its own process group: a blocking read of trace_pipe cannot be cancelled from Node's thread pool.
    const reader = spawn('cat', [path.join(instance, 'trace_pipe')], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const session = new ProbeSession(tracefs, group, defined, acc, reader, targets, misses, pid, child);
    session.listen(opts);
    return session;
  }

  private listen(opts: ProbeOptions): void {
    let rest = '';
    this.reader.stdout?.on('data', (b: Buffer) => {
      const lines = (rest + b.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        this.acc.lines++;
        const hit = parseTraceLine(line);
        if (hit) this.acc.add(hit);
        else this.lost += parseLostLine(line);
      }
    });
    this.watch(opts, this.child ? { child: this.child } : { pollPid: this.pid });
  }

  /**
   * Waits until the kernel buffer is empty and every event the reader took from it has been
   * parsed (the per-CPU `read events` counters), so the final counts are exact. Bounded: a
   * reader that cannot keep up gives up after 10 s, and lost events are reported.
   */
  private async drain(instance: string): Promise<void> {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const { entries, read } = bufferStats(instance);
      if (entries === 0 && this.acc.lines >= read) return;
      await sleep(20);
    }
  }

  /** Current stats without ending the session. */
  snapshot(): FunctionStats[] {
    return this.acc.snapshot(performance.now());
  }

  /**
   * Disables the probes, reads what is still buffered, kills the reader (and a started target
   * still running), and removes the instance and the uprobes.
   */
  protected async detach(): Promise<number> {
    const instance = path.join(this.tracefs, 'instances', this.group);
    try {
      fs.writeFileSync(path.join(instance, 'events', this.group, 'enable'), '0');
    } catch {
      // The cleanup below still removes what exists.
    }
    await this.drain(instance);
    await this.stopChild(this.child);
    await killAndWait(this.reader);
    cleanup(this.tracefs, this.group, this.events);
    return this.lost;
  }
}

function enable(instance: string, group: string): void {
  fs.writeFileSync(path.join(instance, 'events', group, 'enable'), '1');
}

/** The kernel-side PID filter of an instance: these threads, and every thread or child they start. */
function filterPids(instance: string, pids: readonly number[]): void {
  fs.writeFileSync(path.join(instance, 'options', 'event-fork'), '1');
  // One write per PID: set_event_pid takes a list, and appending (O_APPEND) adds to it.
  fs.writeFileSync(path.join(instance, 'set_event_pid'), `${pids[0]}`);
  for (const p of pids.slice(1)) fs.appendFileSync(path.join(instance, 'set_event_pid'), `${p}`);
}

/** The thread ids of a process (its Go runtime's Ms). */
function threadsOf(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    throw new ProbeError(`process ${pid} exited before the probes were attached`, 'target');
  }
}

/**
 * Starts `binary` stopped before its first instruction: the shell stops itself and then execs
 * the binary under the same PID, so probes attached to that PID before SIGCONT see every call.
 */
export async function spawnStopped(binary: string, args: readonly string[], onOutput?: (text: string) => void): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn('/bin/sh', ['-c', 'kill -STOP $$ && exec "$0" "$@"', binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new ProbeError(`cannot start ${binary}`, 'target');
  const forward = (b: Buffer) => onOutput?.(b.toString());
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  try {
    await waitStopped(child.pid);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { child, pid: child.pid };
}

/** The real path of a running process's executable (uprobes attach to its inode). */
export function executableOf(pid: number): string {
  try {
    return fs.realpathSync(`/proc/${pid}/exe`);
  } catch {
    throw new ProbeError(`no process with PID ${pid} (or it is not readable)`, 'target');
  }
}

/** The real path of a binary to start. */
export function binaryToStart(binary: string): string {
  const resolved = path.resolve(binary);
  if (!fs.existsSync(resolved)) throw new ProbeError(`${resolved}: no such file`, 'target');
  return fs.realpathSync(resolved);
}

/** Waits for a process to be in the stopped state (`T` in /proc/PID/stat). */
export async function waitStopped(pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const stat = readOr(`/proc/${pid}/stat`, '');
    if (stat === '') throw new ProbeError(`process ${pid} exited before it could be probed`, 'target');
    if (/^\d+ \(.*\) T /s.test(stat)) return;
    await sleep(10);
  }
  throw new ProbeError(`process ${pid} did not stop for the probes to be attached`, 'target');
}

/** Unread entries and events read so far, summed over the CPUs of a trace instance. */
function bufferStats(instance: string): { entries: number; read: number } {
  let entries = 0;
  let read = 0;
  const perCpu = path.join(instance, 'per_cpu');
  for (const cpu of fs.existsSync(perCpu) ? fs.readdirSync(perCpu) : []) {
    const text = readOr(path.join(perCpu, cpu, 'stats'), '');
    entries += Number(/^entries: (\d+)/m.exec(text)?.[1] ?? 0);
    read += Number(/^read events: (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return { entries, read };
}

/**
 * Whether `p` settles within `ms`. The timer is cleared either way, so a finished wait never
 * keeps the process alive (a CLI run would otherwise linger until it fires).
 */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Kills a process and, when it leads one (a detached reader), its process group. */
function killGroup(p: ChildProcess): void {
  if (p.pid === undefined) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
    return;
  } catch {
    // Not a group leader (bpftrace is not detached), or gone already.
  }
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

export async function killAndWait(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  killGroup(p);
  await within(gone, 2000);
}

/** Removes the instance and the uprobe events of a group; each step is tried even if one fails. */
function cleanup(tracefs: string, group: string, events: readonly string[]): void {
  const instance = path.join(tracefs, 'instances', group);
  try {
    fs.writeFileSync(path.join(instance, 'events', group, 'enable'), '0');
  } catch {
    // Not created or already disabled.
  }
  try {
    fs.rmdirSync(instance);
  } catch {
    // Not created.
  }
  for (const e of events) {
    try {
      fs.appendFileSync(path.join(tracefs, 'uprobe_events'), `-:${group}/${e}\n`);
    } catch {
      // Already removed.
    }
  }
}

/**
 * Removes probes a killed golab left behind (group names carry its PID): their trace readers,
 * which block on trace_pipe forever once the target is gone, then instances and definitions.
 * Returns how many groups were removed.
 */
export function removeStaleProbes(tracefs = TRACEFS): number {
  const defs = readOr(path.join(tracefs, 'uprobe_events'), '');
  const byGroup = new Map<string, string[]>();
  for (const m of defs.matchAll(/^p:(golab_(\d+)_\d+)\/(\S+)/gm)) {
    if (fs.existsSync(`/proc/${m[2]}`)) continue; // a live golab owns it
    byGroup.set(m[1], [...(byGroup.get(m[1]) ?? []), m[3]]);
  }
  if (byGroup.size === 0) return 0;
  for (const proc of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const cmdline = readOr(`/proc/${proc}/cmdline`, '');
    for (const group of byGroup.keys()) {
      if (!cmdline.includes(`/instances/${group}/trace_pipe`)) continue;
      try {
        process.kill(Number(proc), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  for (const [group, events] of byGroup) {
    // The reader may take a moment to release the instance after SIGKILL.
    for (let i = 0; i < 50 && fs.existsSync(path.join(tracefs, 'instances', group)); i++) {
      cleanup(tracefs, group, events);
      if (fs.existsSync(path.join(tracefs, 'instances', group))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    cleanup(tracefs, group, events);
  }
  return byGroup.size;
}
