/**
 * `GODEBUG=gctrace=1` output -> GC cycles and their summary (count, stop-the-world pauses, the
 * runtime's GC CPU fraction, heap sizes, GOMAXPROCS). The format is the runtime's
 * (runtime/mgc.go, documented in the runtime package's GODEBUG section):
 *
 *   gc 12 @0.412s 3%: 0.018+1.2+0.021 ms clock, 0.072+0.4/1.1/0+0.084 ms cpu, 4->4->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 4 P (forced)
 *
 * Go before 1.18 printed no `stacks` / `globals`; both are optional here.
 */

/** One GC cycle as one gctrace line reports it. */
export interface GcCycle {
  /** Cycle number (`gc N`), from 1. */
  n: number;
  /** Seconds since the program started. */
  atSec: number;
  /** Percentage of the CPU time spent in GC since the program started (cumulative). */
  cpuPercent: number;
  /** Wall clock of the three phases: sweep termination (STW), concurrent mark, mark termination (STW). */
  clockMs: [number, number, number];
  /** Stop-the-world time of this cycle: sweep termination + mark termination. */
  pauseMs: number;
  /** Heap at the start of the cycle, at its end, and the live heap marked (MB as the runtime prints them). */
  heapStartMB: number;
  heapEndMB: number;
  heapLiveMB: number;
  goalMB: number;
  stacksMB?: number;
  globalsMB?: number;
  /** GOMAXPROCS (`N P`). */
  procs: number;
  /** The cycle was forced (runtime.GC() or the periodic forced GC), not triggered by the heap. */
  forced: boolean;
}

/** What a whole trace says. */
export interface GcTraceSummary {
  cycles: GcCycle[];
  /** Number of cycles seen (the last cycle number when lines were lost in between). */
  count: number;
  pauseTotalMs: number;
  pauseMaxMs: number;
  /** The last line's `N%` as 0..1: the runtime's own cumulative figure, so the last one covers the whole run. */
  cpuFraction?: number;
  /** GOMAXPROCS of the last cycle. */
  gomaxprocs?: number;
  /** The largest heap any cycle started or ended with, in MB. */
  maxHeapMB?: number;
}

const NUM = String.raw`(\d+(?:\.\d+)?)`;
/**
 * Not anchored at the line start: a program's own output without a trailing newline can sit
 * in front of the runtime's line on the same stderr line.
 */
const LINE = new RegExp(
  String.raw`\bgc (\d+) @${NUM}s ${NUM}%: ${NUM}\+${NUM}\+${NUM} ms clock, [^,]* ms cpu, ${NUM}->${NUM}->${NUM} MB, ${NUM} MB goal, ` +
    String.raw`(?:${NUM} MB stacks, )?(?:${NUM} MB globals, )?(\d+) P( \(forced\))?`,
);

/** One gctrace line, or undefined when the line is something else. */
export function parseGcTraceLine(line: string): GcCycle | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const f = (i: number) => Number(m[i]);
  const clockMs: [number, number, number] = [f(4), f(5), f(6)];
  return {
    n: f(1),
    atSec: f(2),
    cpuPercent: f(3),
    clockMs,
    // Rounded: 0.018+0.021 must read 0.039, not 0.039000000000000007.
    pauseMs: round(clockMs[0] + clockMs[2], 6),
    heapStartMB: f(7),
    heapEndMB: f(8),
    heapLiveMB: f(9),
    goalMB: f(10),
    ...(m[11] !== undefined ? { stacksMB: f(11) } : {}),
    ...(m[12] !== undefined ? { globalsMB: f(12) } : {}),
    procs: f(13),
    forced: m[14] !== undefined,
  };
}

/** Every gctrace line of `text` (other lines, e.g. the program's own output, are skipped) and their summary. */
export function parseGcTrace(text: string): GcTraceSummary {
  const cycles: GcCycle[] = [];
  for (const line of text.split('\n')) {
    const c = parseGcTraceLine(line);
    if (c) cycles.push(c);
  }
  let pauseTotalMs = 0;
  let pauseMaxMs = 0;
  let maxHeapMB: number | undefined;
  for (const c of cycles) {
    pauseTotalMs += c.pauseMs;
    pauseMaxMs = Math.max(pauseMaxMs, c.pauseMs);
    maxHeapMB = Math.max(maxHeapMB ?? 0, c.heapStartMB, c.heapEndMB);
  }
  const last = cycles.at(-1);
  return {
    cycles,
    count: Math.max(cycles.length, last?.n ?? 0),
    // Sums of decimal fractions: rounded so 0.1+0.2 does not show as 0.30000000000000004.
    pauseTotalMs: round(pauseTotalMs, 6),
    pauseMaxMs,
    ...(last ? { cpuFraction: last.cpuPercent / 100, gomaxprocs: last.procs } : {}),
    ...(maxHeapMB !== undefined ? { maxHeapMB } : {}),
  };
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
