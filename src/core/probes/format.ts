/** Text and JSON renderings of probe stats, shared by the CLI and the editor's annotations. */
import type { FunctionStats } from './events';

/** `1.8 ms`, `740 µs`, `12 ns`. */
export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : 1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** `3.1k/s`. */
export function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k/s`;
  return `${Math.round(rate)}/s`;
}

/** A fixed-width table, one row per function. */
export function formatTable(stats: readonly FunctionStats[], withRate = true): string {
  const head = ['FUNCTION', 'CALLS', ...(withRate ? ['RATE'] : []), 'P50', 'P90', 'P99', 'MAX'];
  const rows = stats.map((s) => [
    s.name,
    s.calls.toLocaleString('en-US'),
    ...(withRate ? [formatRate(s.rate)] : []),
    ...(s.measured > 0 ? [s.p50Ns, s.p90Ns, s.p99Ns, s.maxNs].map(formatNs) : ['-', '-', '-', '-']),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n`;
}

/** The inline annotation: `1,204 calls · 3.1k/s · p99 1.8 ms`. */
export function formatInline(s: FunctionStats): string {
  const parts = [`${s.calls.toLocaleString('en-US')} calls`, formatRate(s.rate)];
  if (s.measured > 0) parts.push(`p99 ${formatNs(s.p99Ns)}`);
  return parts.join(' · ');
}
