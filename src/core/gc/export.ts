/**
 * A sweep's result as files a user keeps or feeds to a spreadsheet: CSV with one row per
 * configuration (its settings, then median and spread of each metric, then OOMs), and JSON of
 * the whole result (every run included, so nothing measured is lost).
 */
import type { GcSweepResult } from '../../shared/gc';
import { STAT_KEYS } from './recommend';

/** Header of the CSV: settings first, so a row reads like the command that produced it. */
export function csvHeader(): string[] {
  return [
    'container_memory_bytes',
    'gogc',
    'gomemlimit',
    'gomemlimit_bytes',
    'runs',
    'ooms',
    'baseline',
    'pareto',
    ...STAT_KEYS.flatMap((k) => [`${k}_median`, `${k}_spread`]),
  ];
}

/** One CSV field: quoted when it holds a separator, a quote or a line break (RFC 4180). */
function field(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV of a sweep: header, one row per configuration; a metric nobody measured is empty. */
export function sweepToCsv(result: GcSweepResult): string {
  const rows = [csvHeader()];
  for (const c of result.configs) {
    rows.push([
      c.config.containerMemoryBytes,
      c.config.gogc,
      c.config.memLimitLabel,
      c.config.memLimitBytes,
      c.runs.length,
      c.ooms,
      c.baseline,
      c.pareto,
      ...STAT_KEYS.flatMap((k) => [c.stats[k]?.median, c.stats[k]?.spread]),
    ].map(field));
  }
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}

/** The JSON of a sweep (pretty, newline-terminated). */
export function sweepToJson(result: GcSweepResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
