/**
 * Value and name formatting for the flame view. Pure (no DOM) so it is unit-tested under Node.
 */
import { sig3, thousands } from '../common/format';

export { thousands };

const TIME_UNITS: Record<string, number> = { nanoseconds: 1, ns: 1, microseconds: 1e3, us: 1e3, milliseconds: 1e6, ms: 1e6, seconds: 1e9, s: 1e9 };

/** A sample value in its pprof unit: time as ns/µs/ms/s, bytes as B/KB/MB/GB (1024-based, as pprof), else a count. */
export function formatValue(value: number, unit: string): string {
  const u = unit.toLowerCase();
  if (u in TIME_UNITS) {
    const ns = value * TIME_UNITS[u];
    const a = Math.abs(ns);
    if (a >= 1e9) return `${sig3(ns / 1e9)} s`;
    if (a >= 1e6) return `${sig3(ns / 1e6)} ms`;
    if (a >= 1e3) return `${sig3(ns / 1e3)} µs`;
    return `${sig3(ns)} ns`;
  }
  if (u === 'bytes' || u === 'byte') {
    const a = Math.abs(value);
    if (a >= 1024 ** 3) return `${sig3(value / 1024 ** 3)} GB`;
    if (a >= 1024 ** 2) return `${sig3(value / 1024 ** 2)} MB`;
    if (a >= 1024) return `${sig3(value / 1024)} KB`;
    return `${thousands(value)} B`;
  }
  // `count`, `contentions`, `objects`...: the number is the value, a generic unit adds nothing.
  return u === 'count' || u === '' ? thousands(value) : `${thousands(value)} ${unit}`;
}

/** A share as a percentage with precision where it matters (small shares keep two decimals). */
export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0)) return '0%';
  const p = (part / whole) * 100;
  if (p === 0) return '0%';
  if (Math.abs(p) < 0.01) return '<0.01%';
  return `${p.toFixed(Math.abs(p) < 10 ? 2 : 1)}%`;
}

/**
 * The label drawn in a frame: the function name without its package path
 * (`example.com/m/pkg.(*T).Method` -> `pkg.(*T).Method`), because frames are narrow and the
 * package path is the same in most of them.
 */
export function shortName(name: string): string {
  // A '/' inside parentheses or brackets (generic type arguments) is not a package separator.
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '/' && depth === 0) cut = i;
  }
  return cut >= 0 ? name.slice(cut + 1) : name;
}

/** `text` cut to at most `maxChars` characters, with an ellipsis when cut; '' when not even 2 fit. */
export function truncateLabel(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  if (maxChars < 2) return '';
  return `${text.slice(0, maxChars - 1)}…`;
}

/** `file:line` with the path shortened to its last two segments (tooltips are narrow). */
export function location(file: string, line: number, full = false): string {
  if (!file) return '(unknown file)';
  const shown = full ? file : file.split('/').slice(-2).join('/');
  return line > 0 ? `${shown}:${line}` : shown;
}
