/**
 * The bpftrace engine: one bpftrace process per session runs a generated script whose uprobes
 * sit on each function's entry and on every RET instruction (never uretprobes: Go moves
 * goroutine stacks). Entry and exit are paired in the kernel, per goroutine and stack depth;
 * bpftrace's JSON output (`-f json`) carries one line per completed call (its latency) and,
 * four times a second, the exact call counts of an in-kernel count map.
 *
 * Probing a RET needs a uprobe at an offset inside the function, which bpftrace refuses when it
 * was built without its offset check (`bpftrace --info` says `bfd: no`; Debian 12's 0.17 is).
 * `bpftraceInfo` reads that so the caller can fall back to the tracefs engine.
 */
import { type ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type FunctionStats, StatsAccumulator } from './events';
import { binaryToStart, checkLockdown, executableOf, killAndWait, ProbeError, type ProbeOptions, ProbeRunBase, spawnStopped, within } from './session';
import { findTargets, type ProbeMiss, type ProbeTarget } from './symbols';

/** What `bpftrace --info` says about a bpftrace binary. */
export interface BpftraceInfo {
  path: string;
  /** `0.23.2`. */
  version: string;
  /** Whether it can put uprobes inside a function (the RET instructions). */
  offsets: boolean;
}

/** Parses `bpftrace --info`; undefined when it is not that output. */
export function parseBpftraceInfo(binary: string, text: string): BpftraceInfo | undefined {
  const version = /^\s*version:\s*v?(\d+\.\d+(?:\.\d+)?)/m.exec(text)?.[1];
  if (!version) return undefined;
  const bfd = /^\s*bfd:\s*(yes|no)\b/m.exec(text)?.[1];
  const [major, minor] = version.split('.').map(Number);
  // The offset check is done with libbfd's disassembler; a release that no longer reports
  // bfd (newer ones disassemble with LLVM) checks offsets another way.
  const offsets = bfd !== undefined ? bfd === 'yes' : major > 0 || minor >= 24;
  return { path: binary, version, offsets };
}

/** Runs `bpftrace --info`; rejects with a message naming the binary when it cannot run. */
export function bpftraceInfo(binary = 'bpftrace'): Promise<BpftraceInfo> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--info'], { timeout: 30_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const info = parseBpftraceInfo(binary, `${stdout}\n${stderr}`);
      if (info) resolve(info);
      else if (PERMISSION.test(stderr)) reject(new ProbeError(permissionMessage(binary, stderr), 'permission'));
      else if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error(`${binary}: not found (install bpftrace, or set golab.probes.bpftracePath)`));
      else reject(new Error(`${binary} --info failed: ${(stderr || err?.message || 'no output').trim().split('\n')[0]}`));
    });
  });
}

/** How often the script prints its call counts. */
export const COUNT_INTERVAL_MS = 250;

/**
 * In-flight calls kept per session (map size). A call whose entry found the map full is counted
 * but not timed; 65,536 goroutines inside probed functions at once is far beyond usual.
 */
export const MAX_IN_FLIGHT = 65_536;

/**
 * Which process counts: its PID as bpftrace sees it (bpftrace on the host), or its PID in the
 * initial namespace read from the task (bpftrace in a container: there its `pid` builtin is
 * namespace-relative, and for threads not even the process's).
 */
export type ProcessFilter = { pid: number } | { hostTgid: number };

/** What the script prints once its probes are attached. */
export const READY = 'golab-ready';
/**
 * What the script prints after each count print, with bpftrace's `nsecs` (CLOCK_MONOTONIC,
 * the clock of Node's process.hrtime): says when that count print was made.
 */
export const TICK = 'golab-tick';
const TICK_LINE = new RegExp(`^${TICK} (\\d+)\n?$`);

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * The bpftrace script for targets in `binary` (virtual addresses; bpftrace maps them to file
 * offsets). R14 holds the current g under Go's amd64 ABIInternal, and `g.stack.hi - SP` is the
 * frame's depth: the pair is the same at a function's entry (after the stack check) and at its
 * RETs, survives the stack being copied, and tells recursive frames apart. Map names carry the
 * `golab_` prefix so that bpftrace's own dump at exit is recognisable and cleared first.
 */
export function bpftraceScript(binary: string, targets: readonly ProbeTarget[], process: ProcessFilter, intervalMs = COUNT_INTERVAL_MS): string {
  const key = `reg("r14"), *(uint64 *)(reg("r14") + 8) - reg("sp")`;
  // A predicate rather than `bpftrace -p`: with -p bpftrace quits as soon as the process does,
  // before its final count print, and the last calls would be lost. The uprobes fire in every
  // process running the binary; only this one's calls count.
  const only = 'pid' in process ? `/pid == ${process.pid}/` : `/curtask->tgid == ${process.hostTgid}/`;
  const lines = [
    `config = { max_map_keys = ${MAX_IN_FLIGHT} }`,
    // BEGIN runs once every probe is attached (bpftrace's "attached_probes" line comes before
    // attaching): the signal to let a stopped target run.
    `BEGIN { printf("${READY}\\n"); }`,
    '',
  ];
  targets.forEach((t, i) => {
    lines.push(`// ${t.name}`);
    lines.push(`uprobe:${binary}:${hex(t.entry)} ${only} { @golab_start[${i}, ${key}] = nsecs; @golab_calls[${i}] = count(); }`);
    if (t.returns.length > 0) {
      lines.push(
        `${t.returns.map((r) => `uprobe:${binary}:${hex(r)}`).join(', ')} ${only} {`,
        `  $t = @golab_start[${i}, ${key}];`,
        // 0: the call began before the probes were attached (or found the map full): not timed.
        `  if ($t != 0) { delete(@golab_start[${i}, ${key}]); printf("%d %llu\\n", ${i}, nsecs - $t); }`,
        '}',
      );
    }
  });
  lines.push('', `interval:ms:${intervalMs} { print(@golab_calls); printf("${TICK} %llu\\n", nsecs); }`, 'END { clear(@golab_start); print(@golab_calls); clear(@golab_calls); }', '');
  return lines.join('\n');
}

/** One line of bpftrace's JSON output, as the session needs it. */
export type BpftraceEvent =
  | { kind: 'latency'; fn: number; ns: number }
  | { kind: 'counts'; counts: Map<number, number> }
  /** Made right after a count print, at `ns` on the monotonic clock. */
  | { kind: 'tick'; ns: number }
  | { kind: 'lost'; events: number }
  | { kind: 'ready' }
  | { kind: 'error'; message: string };

/** Parses one output line; undefined for lines that carry nothing for the session. */
export function parseBpftraceLine(line: string): BpftraceEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  let doc: { type?: unknown; data?: unknown; msg?: unknown };
  try {
    doc = JSON.parse(line) as typeof doc;
  } catch {
    return undefined;
  }
  const data = doc.data;
  switch (doc.type) {
    case 'printf': {
      if (data === `${READY}\n`) return { kind: 'ready' };
      const tick = typeof data === 'string' ? TICK_LINE.exec(data) : null;
      if (tick) return { kind: 'tick', ns: Number(tick[1]) };
      const m = typeof data === 'string' ? /^(\d+) (\d+)\n?$/.exec(data) : null;
      return m ? { kind: 'latency', fn: Number(m[1]), ns: Number(m[2]) } : undefined;
    }
    case 'map': {
      const calls = data && typeof data === 'object' ? (data as Record<string, unknown>)['@golab_calls'] : undefined;
      if (!calls || typeof calls !== 'object') return undefined;
      const counts = new Map<number, number>();
      for (const [k, v] of Object.entries(calls as Record<string, unknown>)) if (typeof v === 'number') counts.set(Number(k), v);
      return { kind: 'counts', counts };
    }
    case 'lost_events': {
      const n = data && typeof data === 'object' ? (data as { events?: unknown }).events : undefined;
      return { kind: 'lost', events: typeof n === 'number' ? n : 0 };
    }
    case 'error':
      return { kind: 'error', message: typeof doc.msg === 'string' ? doc.msg : JSON.stringify(data) };
    default:
      return undefined;
  }
}

const PERMISSION = /only supports running as the root user|Operation not permitted|EPERM|Permission denied|CAP_BPF/i;

/** The message for a user who may not trace: what is missing and how to get it. */
function permissionMessage(binary: string, said: string): string {
  const first = said.trim().split('\n')[0] ?? '';
  return (
    `probes need root: loading BPF programs and defining uprobes takes root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN), and ${binary} refuses to run otherwise ("${first}"). ` +
    'Run golab with sudo, or VS Code as root; the debug session itself is not affected'
  );
}

/** Why bpftrace could not attach, in words that say what to do. */
export function explainBpftraceError(stderr: string, info: BpftraceInfo): { message: string; reason: 'permission' | 'lockdown' | 'unsupported' | 'target' } {
  const text = stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/RLIMIT_MEMLOCK/.test(l))
    .join('\n')
    .trim();
  if (PERMISSION.test(text)) return { message: permissionMessage(info.path, text), reason: 'permission' };
  if (/lockdown/i.test(text)) return { message: `the kernel's lockdown forbids BPF tracing; boot without lockdown=confidentiality\n${text}`, reason: 'lockdown' };
  if (/offset support/i.test(text)) {
    return {
      message: `bpftrace ${info.version} (${info.path}) was built without uprobe offset support, so it cannot probe return instructions; use a bpftrace with it (Debian 13's package; lab/bpftrace/install.sh unpacks it beside the system's) or the tracefs engine`,
      reason: 'unsupported',
    };
  }
  return { message: `bpftrace failed: ${text || 'no message'}`, reason: 'target' };
}

let scripts = 0;

/** Writes the script where a cleanup of a killed golab can find it by owner PID. */
export function writeScript(text: string): string {
  const file = path.join(os.tmpdir(), `golab-bpftrace-${process.pid}-${++scripts}.bt`);
  fs.writeFileSync(file, text);
  return file;
}

/** The live side of a bpftrace run (a local process or one in a container): parses its output into stats as it arrives. */
export class BpftraceReader {
  readonly acc: StatsAccumulator;
  lost = 0;
  stderr = '';
  private rest = '';
  private attachedResolve!: () => void;
  private attachedReject!: (e: Error) => void;
  private resolveExited!: (code: number | null) => void;
  /** Settles once bpftrace says its probes are attached (or rejects when it dies first). */
  readonly attached = new Promise<void>((resolve, reject) => {
    this.attachedResolve = resolve;
    this.attachedReject = reject;
  });
  /** Settles with the exit code once all of bpftrace's output has been read. */
  readonly exited = new Promise<number | null>((resolve) => (this.resolveExited = resolve));

  constructor(names: readonly string[]) {
    this.acc = new StatsAccumulator(names, [], performance.now());
    // Not an unhandled rejection when nobody waits for the attach any more.
    this.attached.catch(() => undefined);
  }

  /** Output of bpftrace, as it arrives. */
  out(text: string): void {
    this.take(text);
  }

  /** Diagnostics of bpftrace. Bounded: a flood of warnings must not grow without end. */
  err(text: string): void {
    if (this.stderr.length < 64 * 1024) this.stderr += text;
  }

  /** bpftrace is gone and its output fully read. */
  end(code: number | null, error?: Error): void {
    this.take('\n');
    this.attachedReject(error ?? new Error('bpftrace exited before attaching'));
    this.resolveExited(code);
  }

  /** Waiting for a count print made at or after a moment (monotonic ns). */
  private tickWaiters: Array<{ since: number; wake: () => void }> = [];
  /** Whether bpftrace lost events since the last tick: the count print before the next may be one of them. */
  private lostSinceTick = false;

  /**
   * Waits (at most 10 s) until everything bpftrace measured so far has been read: a count
   * print made after this call (its tick says when) counts every call so far, and bpftrace's
   * output is one ordered stream, so their latency lines have arrived before it. Called before
   * SIGINT, because END's own print is not always delivered after it, so the counts must not
   * depend on it. By the time the print was made, not by when its line arrived: on a loaded
   * machine several prints can wait in the pipe, and the next to arrive may be an old one (the
   * way a count went missing under CI load). And only a tick with no events lost since the
   * one before: bpftrace reports lost events in the stream where they were lost, and a lost
   * count print followed by its tick left the previous print's counts standing (1009 calls
   * counted of 1010, again under CI load).
   */
  caughtUp(): Promise<boolean> {
    const since = Number(process.hrtime.bigint());
    return within(new Promise<void>((wake) => this.tickWaiters.push({ since, wake })), 10_000);
  }

  private take(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) {
      const e = parseBpftraceLine(line);
      if (!e) continue;
      if (e.kind === 'latency') this.acc.recordLatency(e.fn, e.ns);
      else if (e.kind === 'counts') {
        for (const [fn, n] of e.counts) this.acc.setCalls(fn, n);
      } else if (e.kind === 'tick') {
        const ns = e.ns;
        const whole = !this.lostSinceTick;
        this.lostSinceTick = false;
        if (whole) {
          this.tickWaiters = this.tickWaiters.filter((w) => {
            if (ns < w.since) return true;
            w.wake();
            return false;
          });
        }
      } else if (e.kind === 'lost') {
        this.lost += e.events;
        this.lostSinceTick = true;
      }
      else if (e.kind === 'ready') this.attachedResolve();
      else if (this.stderr.length < 64 * 1024) this.stderr += `${e.message}\n`;
    }
  }

  snapshot(now: number): FunctionStats[] {
    return this.acc.snapshot(now);
  }
}

/** Starts bpftrace on `pid` with the script for `targets`. */
export function spawnBpftrace(info: BpftraceInfo, binary: string, targets: readonly ProbeTarget[], pid: number): { reader: BpftraceReader; proc: ChildProcess; script: string } {
  const script = writeScript(bpftraceScript(binary, targets, { pid }));
  // stdout is a pipe: if golab dies, bpftrace's next count print (every 250 ms) hits a closed
  // pipe and it exits, detaching its probes; a leftover is also found by its script's name.
  const proc = spawn(info.path, ['-f', 'json', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reader = new BpftraceReader(targets.map((t) => t.name));
  proc.stdout?.setEncoding('utf8').on('data', (t: string) => reader.out(t));
  proc.stderr?.setEncoding('utf8').on('data', (t: string) => reader.err(t));
  proc.on('error', (e) => reader.end(null, e));
  // 'close', not 'exit': only then has all of stdout (the final counts) been read.
  proc.on('close', (code) => reader.end(code));
  return { reader, proc, script };
}

/** PIDs of bpftrace processes whose golab owner is gone (their script names carry its PID). */
export function staleBpftraceProcesses(): number[] {
  const out: number[] = [];
  let procs: string[];
  try {
    procs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const p of procs) {
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const m = /golab-bpftrace-(\d+)-\d+\.bt/.exec(cmdline);
    if (m && !fs.existsSync(`/proc/${m[1]}`)) out.push(Number(p));
  }
  return out;
}

/** How long bpftrace may take to compile and attach (LLVM runs first; seconds on a busy machine). */
export const ATTACH_TIMEOUT_MS = 60_000;

/** A probe session run by one bpftrace process. */
export class BpftraceSession extends ProbeRunBase {
  readonly engine = 'bpftrace';

  private constructor(
    private readonly reader: BpftraceReader,
    private readonly proc: ChildProcess,
    private readonly script: string,
    readonly targets: ProbeTarget[],
    readonly misses: ProbeMiss[],
    readonly pid: number,
    private readonly child: ChildProcess | undefined,
    readonly info: BpftraceInfo,
  ) {
    super();
  }

  /** Finds the functions, starts bpftrace on the process (or on a binary it starts stopped), and waits until the probes are attached. */
  static async start(opts: ProbeOptions, info: BpftraceInfo): Promise<BpftraceSession> {
    checkLockdown();
    if ((opts.pid === undefined) === (opts.binary === undefined)) throw new ProbeError('give either a PID or a binary to start', 'target');
    if (!info.offsets) throw new ProbeError(explainBpftraceError('offset support', info).message, 'unsupported');
    const binary = opts.pid !== undefined ? executableOf(opts.pid) : binaryToStart(opts.binary ?? '');
    const { targets, misses } = await findTargets(binary, opts.patterns, opts.goBinary);
    if (targets.length === 0) throw new ProbeError(misses.map((m) => m.message).join('\n') || 'no function to probe', 'notFound');
    let child: ChildProcess | undefined;
    let pid = opts.pid ?? 0;
    if (opts.binary !== undefined) ({ child, pid } = await spawnStopped(binary, opts.args ?? [], opts.onOutput));
    const { reader, proc, script } = spawnBpftrace(info, binary, targets, pid);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ProbeError(`bpftrace did not attach its probes within ${ATTACH_TIMEOUT_MS / 1000} s`, 'target')), ATTACH_TIMEOUT_MS);
      });
      await Promise.race([reader.attached, timeout]);
    } catch (e) {
      await killAndWait(proc);
      fs.rmSync(script, { force: true });
      if (child) {
        child.kill('SIGKILL');
      }
      if (e instanceof ProbeError) throw e;
      const { message, reason } = explainBpftraceError(reader.stderr, info);
      throw new ProbeError(message, reason);
    } finally {
      clearTimeout(timer);
    }
    // Probes are on: let a started target run its first instruction.
    if (child) process.kill(pid, 'SIGCONT');
    const session = new BpftraceSession(reader, proc, script, targets, misses, pid, child, info);
    session.watch(opts, child ? { child } : { pollPid: pid });
    return session;
  }

  snapshot(): FunctionStats[] {
    return this.reader.snapshot(performance.now());
  }

  /** Stops bpftrace (SIGINT: it detaches and prints the final counts), then a started target still running. */
  protected async detach(): Promise<number> {
    const proc = this.proc;
    if (proc.exitCode === null && proc.signalCode === null) {
      await this.reader.caughtUp();
      proc.kill('SIGINT');
      // bpftrace drains its buffers and runs END (the final counts) before exiting.
      const exited = await within(this.reader.exited, 10_000);
      if (!exited) await killAndWait(proc);
    } else {
      await this.reader.exited;
    }
    await this.stopChild(this.child);
    fs.rmSync(this.script, { force: true });
    return this.reader.lost;
  }
}
