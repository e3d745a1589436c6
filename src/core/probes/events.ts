/**
 * Kernel uprobe events (tracefs `uprobe_events`) for Go functions, and the stats built from
 * their trace lines: the tracefs engine, used where bpftrace cannot put uprobes at offsets
 * (Debian 12's bpftrace 0.17 is built without offset support; `--unsafe` does not override
 * it) and Go exits can only be caught at RET offsets. The stats accumulator serves both engines.
 */
import type { ProbeTarget } from './symbols';

/** One probe point: an entry or a return of function `fn`. */
export interface ProbePoint {
  event: string;
  fn: number;
  kind: 'entry' | 'return';
  /** File offset in the binary. */
  offset: number;
}

/**
 * Each hit records the goroutine (R14 holds the current g under Go's amd64 ABIInternal) and its
 * stack depth `g.stack.hi - SP`. Keying entry/exit on (g, depth) is right for Go: the goroutine,
 * not the thread, is what returns (it may resume on another thread after blocking), recursion
 * gets one key per frame, and the depth survives the runtime copying the stack elsewhere.
 */
export const FETCH_ARGS = 'g=%r14:u64 sp=%sp:u64 hi=+8(%r14):u64';

/** The probe points for targets, with event names unique within a group. */
export function probePoints(targets: readonly ProbeTarget[], offsetOf: (vaddr: number) => number): ProbePoint[] {
  const points: ProbePoint[] = [];
  targets.forEach((t, fn) => {
    points.push({ event: `f${fn}_e`, fn, kind: 'entry', offset: offsetOf(t.entry) });
    t.returns.forEach((r, i) => points.push({ event: `f${fn}_r${i}`, fn, kind: 'return', offset: offsetOf(r) }));
  });
  return points;
}

/** The `uprobe_events` definition lines for a group. */
export function uprobeDefinitions(group: string, binary: string, points: readonly ProbePoint[]): string[] {
  return points.map((p) => `p:${group}/${p.event} ${binary}:0x${p.offset.toString(16)} ${FETCH_ARGS}`);
}

/** One parsed trace line. */
export interface TraceHit {
  /** Thread id. */
  pid: number;
  /** Process id (the `record-tgid` column), or undefined when the kernel had not recorded it (`(-------)`). */
  tgid?: number;
  /** Seconds, from the trace clock. */
  time: number;
  event: string;
  g: bigint;
  depth: bigint;
}

const TRACE_LINE = /^\s*.+?-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[\d+\]\s+\S+\s+(\d+\.\d+): (\w+): \(0x[0-9a-f]+\) g=(\d+) sp=(\d+) hi=(\d+)/;
const LOST_LINE = /\[LOST (\d+) EVENTS\]/;

/** Events the kernel dropped (ring buffer full), from a `CPU:N [LOST M EVENTS]` line; 0 for other lines. */
export function parseLostLine(line: string): number {
  const m = LOST_LINE.exec(line);
  return m ? Number(m[1]) : 0;
}

/** Parses a `trace_pipe` line, or undefined for anything else (lost-event notes). */
export function parseTraceLine(line: string): TraceHit | undefined {
  const m = TRACE_LINE.exec(line);
  if (!m) return undefined;
  const pid = Number(m[1]);
  return { pid, ...(m[2] && /^\d+$/.test(m[2]) ? { tgid: Number(m[2]) } : {}), time: Number(m[3]), event: m[4], g: BigInt(m[5]), depth: BigInt(m[7]) - BigInt(m[6]) };
}

/** Per-function stats at one moment. */
export interface FunctionStats {
  name: string;
  calls: number;
  /** Calls per second over the last interval. */
  rate: number;
  /** Completed calls with a measured latency. */
  measured: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  maxNs: number;
}

/** Latency samples kept per function; past it, a uniform reservoir keeps percentiles unbiased. */
export const MAX_SAMPLES = 200_000;

/** Exact percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Accumulates hits into counts and latencies. Percentiles are exact over the kept samples. */
export class StatsAccumulator {
  private readonly byEvent: Map<string, ProbePoint>;
  private readonly calls: number[];
  private readonly samples: number[][];
  private readonly seen: number[];
  private readonly max: number[];
  private readonly open = new Map<string, number>();
  private lastCalls: number[];
  /** Trace lines taken in, to know when everything the kernel handed out has arrived. */
  lines = 0;

  constructor(
    private readonly names: readonly string[],
    points: readonly ProbePoint[],
    /** When counting started (ms); the first rate is over the time since then. 0: no first rate. */
    private lastTime = 0,
  ) {
    this.byEvent = new Map(points.map((p) => [p.event, p]));
    this.calls = names.map(() => 0);
    this.samples = names.map(() => []);
    this.seen = names.map(() => 0);
    this.max = names.map(() => 0);
    this.lastCalls = names.map(() => 0);
  }

  /** Adds one hit. */
  add(hit: TraceHit): void {
    // No check of the hit's process here: the kernel's filter (set_event_pid, and event-fork
    // for new threads) passes only the target's threads. The trace line's TGID column could
    // not be trusted for it anyway: it comes from a cache by thread id, filled at the thread's
    // next context switch, and until then it can hold the TGID of an earlier process whose
    // thread had the same id (134 of 5000 calls were dropped that way under CI load).
    const point = this.byEvent.get(hit.event);
    if (!point) return;
    const key = `${point.fn}:${hit.g}:${hit.depth}`;
    if (point.kind === 'entry') {
      this.calls[point.fn]++;
      this.open.set(key, hit.time);
      return;
    }
    const start = this.open.get(key);
    if (start === undefined) return; // entered before the probes were attached
    this.open.delete(key);
    this.recordLatency(point.fn, Math.round((hit.time - start) * 1e9));
  }

  /** One completed call of function `fn` that took `ns` (paired elsewhere, e.g. in the kernel). */
  recordLatency(fn: number, ns: number): void {
    if (fn < 0 || fn >= this.names.length) return;
    this.max[fn] = Math.max(this.max[fn], ns);
    const kept = this.samples[fn];
    const n = ++this.seen[fn];
    if (kept.length < MAX_SAMPLES) kept.push(ns);
    else {
      const j = Math.floor(Math.random() * n);
      if (j < MAX_SAMPLES) kept[j] = ns;
    }
  }

  /** The exact call count of function `fn` so far, counted elsewhere (an in-kernel count map). */
  setCalls(fn: number, calls: number): void {
    if (fn < 0 || fn >= this.names.length) return;
    // Counts only grow; a late or reordered print never takes one back.
    this.calls[fn] = Math.max(this.calls[fn], calls);
  }

  /** A snapshot; `now` (ms) sets the rate interval. */
  snapshot(now: number): FunctionStats[] {
    const dt = this.lastTime === 0 ? 0 : (now - this.lastTime) / 1000;
    // A timed call is a call: the count is never below the timed ones. bpftrace's in-kernel
    // count map fell one short now and then under load (1009 of 1010 calls of a recursive
    // function in 10 goroutines, no events lost; the cause is not known), and each timed call's
    // entry was seen by the kernel (its start time paired with the return).
    for (let i = 0; i < this.names.length; i++) this.calls[i] = Math.max(this.calls[i], this.seen[i]);
    const out = this.names.map((name, i) => {
      const sorted = [...this.samples[i]].sort((a, b) => a - b);
      return {
        name,
        calls: this.calls[i],
        rate: dt > 0 ? (this.calls[i] - this.lastCalls[i]) / dt : 0,
        measured: this.seen[i],
        p50Ns: percentile(sorted, 50),
        p90Ns: percentile(sorted, 90),
        p99Ns: percentile(sorted, 99),
        maxNs: this.max[i],
      };
    });
    this.lastCalls = [...this.calls];
    this.lastTime = now;
    return out;
  }
}
