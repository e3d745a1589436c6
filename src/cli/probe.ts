/**
 * `golab probe`: uprobes on Go functions of a running process or of a binary it starts, with a
 * live table of call counts and latencies, and final percentiles per function at the end.
 */
import * as path from 'path';
import { CONFIG_DEFAULTS } from '../core/config';
import { removeLeftovers } from '../core/lab/cleanup';
import { connectDocker } from '../core/lab/docker';
import { LabError } from '../core/lab/errors';
import { ensureImage } from '../core/lab/goTest';
import type { FunctionStats } from '../core/probes/events';
import { formatTable } from '../core/probes/format';
import { packPatterns, PROBE_PACKS } from '../core/probes/packs';
import { ProbeError, type ProbeResult, type ProbeRun } from '../core/probes/session';
import { ENGINE_CHOICES, type EngineChoice, removeStaleProbeSessions, startProbes } from '../core/probes/start';
import { SidecarSession } from '../core/probes/sidecar';
import { SymbolError } from '../core/probes/symbols';
import type { CommandContext, CommandResult } from './check';
import { EXIT, InputError, UsageError } from './errors';
import { parseCommandArgs } from './args';

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** `golab probe --help`. */
export function probeHelp(): string {
  return `Usage: golab probe --pid PID --func REGEX [--func REGEX...] [--pack NAME...] [flags]
       golab probe --func REGEX [flags] -- BINARY [ARGS...]
       golab probe --container NAME [--pid PID] --func REGEX [flags]

Counts calls of Go functions and measures their latency with uprobes, without stopping the
program: on the function's entry and on each of its RET instructions (never uretprobes,
which crash Go programs). Each REGEX must match a whole symbol name, e.g.
main.work, 'main\\.(\\*Server)\\..*'. Inlined functions have no symbol: build with
-gcflags=all=-l (debug builds already are).

Flags:
  --pid PID            attach to a running process
  -- BINARY ARGS...    start BINARY with ARGS (its output goes to stderr) and probe it
  --container NAME     probe a process of a running container (its main process, or
                       --pid PID in the container's PID namespace): bpftrace runs in a
                       sidecar container sharing that namespace, from the lab image, with
                       the bpftrace of lab/bpftrace/install.sh; only Docker is needed
  --base-image IMAGE   the lab base image of the sidecar (default: auto)
  --func REGEX         function(s) to probe (repeatable)
  --pack NAME          built-in probes that need no function of yours (repeatable):
${Object.values(PROBE_PACKS)
  .map((p) => `                         ${p.name.padEnd(11)} ${p.description}`)
  .join('\n')}
  --duration DURATION  stop after DURATION, e.g. 10s, 2m (default: until Ctrl+C or the
                       process exits)
  --engine ENGINE      auto (default): bpftrace when it can probe return instructions
                       (bpftrace --info says "bfd: yes"; Debian 13's package can, Debian
                       12's 0.17 cannot), else the kernel's uprobe events in tracefs;
                       bpftrace or tracefs: that engine only
  --bpftrace PATH      the bpftrace binary (default: bpftrace on PATH)
  --format text|json   text: a live table on stderr every second, the final table on
                       stdout; json: {functions: [{name, calls, p50Ns, ...}], ...} on stdout
  -h, --help           this help

Needs root (bpftrace loads BPF programs; tracefs uprobe events are root-only). Latency
percentiles are exact (nearest rank over every completed call, or a uniform sample of 200,000 per function beyond that).

Exit status: 0 done, 2 error (no such function, no permission, bad flag), 130 interrupted
(Ctrl+C also prints the final table; the probes are removed either way).
`;
}

/** `10s`, `2m`, `1500ms` -> milliseconds. */
function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** The JSON document for scripts. */
export function probeJson(r: ProbeResult): unknown {
  return {
    engine: r.engine,
    pid: r.pid,
    reason: r.reason,
    exitCode: r.exitCode,
    durationMs: Math.round(r.durationMs),
    lostEvents: r.lost,
    functions: r.functions.map((f: FunctionStats) => ({
      name: f.name,
      calls: f.calls,
      measured: f.measured,
      p50Ns: f.p50Ns,
      p90Ns: f.p90Ns,
      p99Ns: f.p99Ns,
      maxNs: f.maxNs,
    })),
    notFound: r.misses.map((m) => m.message),
  };
}

export async function runProbeCommand(argv: readonly string[], ctx: CommandContext): Promise<CommandResult> {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const parsed = parseCommandArgs('probe', {
    args: [...own],
    allowPositionals: false,
    options: {
      pid: { type: 'string' },
      func: { type: 'string', multiple: true },
      pack: { type: 'string', multiple: true },
      duration: { type: 'string' },
      engine: { type: 'string', default: 'auto' },
      bpftrace: { type: 'string' },
      container: { type: 'string' },
      'base-image': { type: 'string' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return { exitCode: EXIT.ok, stdout: probeHelp() };
  if (!(FORMATS as readonly string[]).includes(v.format ?? '')) throw new UsageError(`--format must be text or json, got "${v.format}"`, 'probe');
  const format = v.format as Format;
  if (!(ENGINE_CHOICES as readonly string[]).includes(v.engine ?? '')) throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, got "${v.engine}"`, 'probe');
  const engine = v.engine as EngineChoice;
  let patterns: string[];
  try {
    patterns = [...(v.func ?? []), ...packPatterns(v.pack ?? [])];
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), 'probe');
  }
  if (patterns.length === 0) throw new UsageError('--func REGEX or --pack NAME is required', 'probe');
  for (const p of patterns) {
    try {
      new RegExp(p);
    } catch {
      throw new UsageError(`--func "${p}" is not a valid regular expression`, 'probe');
    }
  }
  if (v.container !== undefined) {
    if (command.length > 0) throw new UsageError('--container probes a process already running in a container: no -- BINARY', 'probe');
    if (engine === 'tracefs') throw new UsageError('--container runs bpftrace in a sidecar container: --engine tracefs is not available there', 'probe');
  } else if ((v.pid === undefined) === (command.length === 0)) throw new UsageError('give either --pid PID, --container NAME or -- BINARY [ARGS...]', 'probe');
  const pid = v.pid === undefined ? undefined : Number(v.pid);
  if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0)) throw new UsageError(`--pid wants a process id, got "${v.pid}"`, 'probe');
  const durationMs = v.duration === undefined ? undefined : parseDuration(v.duration);
  if (v.duration !== undefined && durationMs === undefined) throw new UsageError(`--duration wants a duration like 10s or 2m, got "${v.duration}"`, 'probe');

  const onSnapshot = (stats: FunctionStats[]) => {
    if (format === 'text') ctx.stderr?.(`\n${formatTable(stats)}`);
  };
  let session: ProbeRun;
  try {
    // Probes of a golab killed with SIGKILL would otherwise stay attached (and slow the binary).
    removeStaleProbeSessions();
    session = v.container !== undefined ? await startInContainer(v.container, pid, v['base-image'], patterns, onSnapshot, ctx) : await startProbes({
      engine,
      ...(v.bpftrace ? { bpftrace: v.bpftrace } : {}),
      onNotice: (m) => ctx.stderr?.(`golab: ${m}\n`),
      patterns,
      ...(pid !== undefined ? { pid } : { binary: command[0], args: command.slice(1) }),
      onOutput: (t) => ctx.stderr?.(t),
      onSnapshot,
    });
  } catch (e) {
    if (e instanceof ProbeError || e instanceof SymbolError || e instanceof LabError) throw new InputError(e.message);
    throw e;
  }
  for (const m of session.misses) ctx.stderr?.(`golab: ${m.message}\n`);
  ctx.stderr?.(`golab: probing ${session.targets.map((t) => t.name).join(', ')} in PID ${session.pid}${v.container !== undefined ? ` of container ${v.container} (sidecar ${(session as SidecarSession).name})` : ''} with ${session.engine}${format === 'text' ? ' (Ctrl+C to stop)' : ''}\n`);

  let interrupted = false;
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((r) => (wake = r));
  // Ctrl+C stops the session (and removes the probes) before main exits with 130.
  const unregister = ctx.interrupt.onInterrupt(async () => {
    interrupted = true;
    wake();
    // main exits without writing a result once interrupted, so the final table is written here.
    const out = render(await session.stop(), format, true);
    process.stdout.write(out.stdout);
    process.stderr.write(out.trailer);
  });
  const timer = durationMs === undefined ? undefined : setTimeout(wake, durationMs);
  try {
    await Promise.race([session.ended, woken]);
  } finally {
    clearTimeout(timer);
  }
  const result = await session.stop();
  unregister();
  return { exitCode: interrupted ? EXIT.interrupted : EXIT.ok, ...render(result, format, interrupted) };
}

/** Probes a process of a running container from a sidecar (the lab image, with Go, runs bpftrace). */
async function startInContainer(container: string, pid: number | undefined, baseImage: string | undefined, patterns: string[], onSnapshot: (s: FunctionStats[]) => void, ctx: CommandContext): Promise<SidecarSession> {
  const conn = await connectDocker({ env: ctx.env });
  // Sidecars of a killed golab would otherwise keep their probes attached.
  const removed = await removeLeftovers(conn.docker);
  if (removed > 0) ctx.stderr?.(`golab: removed ${removed} lab container(s) left by an earlier run\n`);
  const image = await ensureImage(conn, { baseImage: baseImage ?? CONFIG_DEFAULTS.lab.baseImage, labDir: path.join(ctx.extensionRoot, 'lab') }, (p) => ctx.stderr?.(`golab: ${p.message}\n`));
  return SidecarSession.start({ conn, container, ...(pid !== undefined ? { pid } : {}), patterns, image, onSnapshot });
}

function render(result: ProbeResult, format: Format, interrupted: boolean): { stdout: string; trailer: string } {
  const stdout = format === 'json' ? `${JSON.stringify(probeJson(result), null, 2)}\n` : formatTable(result.functions, false);
  const lost =
    result.lost === 0
      ? ''
      : result.engine === 'bpftrace'
        ? `golab: bpftrace dropped ${result.lost} latency events (the reader fell behind): counts are exact, percentiles are over the calls received\n`
        : `golab: the kernel dropped ${result.lost} events (the reader fell behind): counts are lower bounds\n`;
  const why = result.reason === 'exited' ? `the process exited${result.exitCode !== null ? ` with status ${result.exitCode}` : ''}` : interrupted ? 'interrupted' : 'stopped';
  return { stdout, trailer: `${lost}golab: ${why} after ${(result.durationMs / 1000).toFixed(1)} s; probes removed\n` };
}
