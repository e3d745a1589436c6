/**
 * Figures of the GC report as text. Pure (no DOM) so it is unit-tested under Node. Fixed
 * formats rather than toLocaleString: the same text in every locale keeps tests and
 * screenshots stable.
 */
import type { GcConfig, Stat } from '../../shared/gc';
import { sig3, thousands } from '../common/format';

export { thousands };

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Bytes in 1024-based units spelled as Go spells them (`MiB`), because GOMEMLIMIT is written
 * that way and the table shows both side by side.
 */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${thousands(v)} B` : `${sig3(v)} ${BYTE_UNITS[u]}`;
}

/** Milliseconds as µs / ms / s, whichever keeps the number readable. */
export function formatMs(ms: number): string {
  const a = Math.abs(ms);
  if (a >= 1000) return `${sig3(ms / 1000)} s`;
  if (a >= 1 || a === 0) return `${sig3(ms)} ms`;
  return `${sig3(ms * 1000)} µs`;
}

/** Nanoseconds (ns/op) as ns / µs / ms / s. */
export function formatNs(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${sig3(ns / 1e9)} s`;
  if (a >= 1e6) return `${sig3(ns / 1e6)} ms`;
  if (a >= 1e3) return `${sig3(ns / 1e3)} µs`;
  return `${sig3(ns)} ns`;
}

/**
 * A fraction (0..1) as a percentage. Small GC CPU shares keep two decimals: 0.4% vs 0.04% is
 * the difference a GOGC change makes.
 */
export function formatFraction(f: number): string {
  const p = f * 100;
  if (p === 0) return '0%';
  if (Math.abs(p) < 0.01) return '<0.01%';
  return `${p.toFixed(Math.abs(p) < 10 ? 2 : 1)}%`;
}

/** A count; medians of an even number of runs can be halves, which are kept. */
export function formatCount(n: number): string {
  if (Number.isInteger(n)) return thousands(n);
  const [whole, decimal] = n.toFixed(1).split('.');
  return `${thousands(Number(whole))}.${decimal}`;
}

/** Between a median and its spread; the table splits on it to set the spread in a quieter style. */
export const SPREAD_SEPARATOR = ' ± ';

/** `median ± spread`, the spread left out when it is 0 (one repeat, or identical runs: nothing to show). */
export function formatStat(stat: Stat | undefined, format: (n: number) => string): string {
  if (!stat) return '—';
  return stat.spread > 0 ? `${format(stat.median)}${SPREAD_SEPARATOR}${format(stat.spread)}` : format(stat.median);
}

export function formatGogc(gogc: GcConfig['gogc']): string {
  return gogc === 'off' ? 'off' : String(gogc);
}

/** The configuration as the environment a reader would type: `GOGC=200 GOMEMLIMIT=85%`. */
export function configName(c: GcConfig): string {
  const limit = c.memLimitBytes > 0 ? ` GOMEMLIMIT=${c.memLimitLabel}` : '';
  return `GOGC=${formatGogc(c.gogc)}${limit}`;
}
