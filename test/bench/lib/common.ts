/** Helpers shared by the benchmarks: GOROOT lookup, flags, percentiles and plain-text tables. */
import { execFileSync } from 'child_process';
import * as os from 'os';

/** `go env GOROOT`, or a message saying how to get Go: benchmarks need a real Go tree. */
export function goRoot(): string {
  try {
    return execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  } catch (e) {
    throw new Error(`cannot run \`go env GOROOT\` (${(e as Error).message}); install Go or pass --root DIR`, { cause: e });
  }
}

/** `--name value` flags of a benchmark; unknown flags are an error so typos do not go unnoticed. */
export function parseFlags(argv: readonly string[], known: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in known)) {
      const list = Object.entries(known).map(([k, v]) => `  --${k} ${v}`);
      throw new Error(`unknown argument ${argv[i]}; flags:\n${list.join('\n')}`);
    }
    out[m[1]] = m[2] ?? argv[++i] ?? '';
  }
  return out;
}

/** A positive integer flag, or the fallback when absent. */
export function intFlag(flags: Record<string, string>, name: string, fallback: number): number {
  if (flags[name] === undefined) return fallback;
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, got "${flags[name]}"`);
  return n;
}

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function ms(n: number): string {
  return `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ms`;
}

export function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** Rows as an aligned plain-text table; the first row is the header. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The commit measured, and whether src/core differs from it, so figures can be traced to code. */
function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src/core'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean).length;
    return dirty > 0 ? `${head} + ${dirty} uncommitted file(s) in src/core` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** What the figures were measured on, printed first by every benchmark. */
export function machineLine(): string {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return (
    `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} CPUs, ` +
    `${mb(os.totalmem())} RAM, node ${process.version}, load average ${load} ` +
    `(other work may run concurrently; figures are indicative)\ncode: ${revision()}`
  );
}

/** Peak resident set size of this process so far (worker threads included: they share it). */
export function peakRss(): string {
  return mb(process.resourceUsage().maxRSS * 1024);
}
