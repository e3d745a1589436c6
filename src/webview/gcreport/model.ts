/**
 * The report's data as the page shows it: the `load` message checked, the table's columns and
 * rows, sorting, and which configuration the recommendation points at. Pure (no DOM) so it is
 * unit-tested under Node.
 */
import type { GcConfig, GcConfigResult, GcRunMetrics, GcSweepResult, RecommendationKind, Stat, ToGcReport } from '../../shared/gc';
import { formatBytes, formatCount, formatFraction, formatGogc, formatMs, formatNs, formatStat } from './format';

export type StatKey = keyof GcConfigResult['stats'];

const KINDS: readonly RecommendationKind[] = ['recommend', 'noise', 'needs-memory', 'keep-default'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function configProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'is not an object';
  if (!(v.gogc === 'off' || isFiniteNumber(v.gogc))) return 'has no GOGC (a number or "off")';
  if (!isFiniteNumber(v.memLimitBytes)) return 'has no memLimitBytes';
  if (typeof v.memLimitLabel !== 'string') return 'has no memLimitLabel';
  if (!isFiniteNumber(v.containerMemoryBytes)) return 'has no containerMemoryBytes';
  return undefined;
}

function configResultProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'is not an object';
  const c = configProblem(v.config);
  if (c) return `config ${c}`;
  if (!Array.isArray(v.runs) || !v.runs.every((r) => isObject(r) && isFiniteNumber(r.wallMs))) return 'has runs that are not a list of measurements with wallMs';
  if (!isObject(v.stats)) return 'has no stats';
  for (const [k, s] of Object.entries(v.stats)) {
    if (s !== undefined && !(isObject(s) && isFiniteNumber(s.median) && isFiniteNumber(s.spread))) return `has a stat ${k} without median and spread`;
  }
  if (!isFiniteNumber(v.ooms)) return 'has no OOM count';
  if (typeof v.pareto !== 'boolean' || typeof v.baseline !== 'boolean') return 'has no pareto/baseline flags';
  return undefined;
}

/**
 * Why a posted message is not a usable `load` message, or undefined when it is. The page says
 * this in its error panel: a host and a page out of step should be told apart from a sweep
 * that found nothing.
 */
export function loadProblem(msg: unknown): string | undefined {
  if (!isObject(msg) || msg.type !== 'load') return 'the message is not a load message';
  const r = msg.result;
  if (!isObject(r)) return 'the message has no result';
  if (!Array.isArray(r.configs)) return 'the result has no list of configurations';
  for (let i = 0; i < r.configs.length; i++) {
    const p = configResultProblem(r.configs[i]);
    if (p) return `configuration ${i + 1} ${p}`;
  }
  const rec = r.recommendation;
  if (!isObject(rec) || !KINDS.includes(rec.kind as RecommendationKind) || typeof rec.reason !== 'string') return 'the result has no recommendation (kind and reason)';
  if (rec.config !== undefined && configProblem(rec.config)) return 'the recommended configuration is malformed';
  if (typeof r.target !== 'string') return 'the result does not say what ran (target)';
  if (!isFiniteNumber(r.cpus) || !isFiniteNumber(r.repeats)) return 'the result has no CPU or repeat count';
  return undefined;
}

/** Messages the page handles at all; anything else (another view's traffic) is ignored, not an error. */
export function isLoadMessage(msg: unknown): msg is ToGcReport {
  return isObject(msg) && msg.type === 'load';
}

function sameConfig(a: GcConfig, b: GcConfig): boolean {
  return a.gogc === b.gogc && a.memLimitBytes === b.memLimitBytes && a.containerMemoryBytes === b.containerMemoryBytes;
}

/**
 * The index of the recommended configuration in `configs` (what `apply` carries), or -1.
 * Matched on the settings rather than the label: the label is display text (`85%` vs `870MiB`).
 */
export function recommendedIndex(result: GcSweepResult): number {
  const rec = result.recommendation;
  if (rec.kind !== 'recommend' || !rec.config) return -1;
  const wanted = rec.config;
  return result.configs.findIndex((c) => sameConfig(c.config, wanted));
}

/** The GOMAXPROCS the runs reported: one value, a range when repeats differed, undefined if none did. */
export function gomaxprocsOf(runs: GcRunMetrics[]): { min: number; max: number } | undefined {
  const vs = runs.map((r) => r.gomaxprocs).filter((v): v is number => typeof v === 'number');
  if (vs.length === 0) return undefined;
  return { min: Math.min(...vs), max: Math.max(...vs) };
}

export type ColumnKey =
  | 'gogc'
  | 'memLimit'
  | 'container'
  | StatKey
  | 'gomaxprocs'
  | 'ooms';

export interface Column {
  key: ColumnKey;
  label: string;
  /** Longer name for the header's tooltip and screen readers. */
  title: string;
  numeric: boolean;
}

const STAT_COLUMNS: ReadonlyArray<{ key: StatKey; label: string; title: string; format: (n: number) => string }> = [
  { key: 'wallMs', label: 'Wall', title: 'Wall-clock time (median ± spread)', format: formatMs },
  { key: 'cpuMs', label: 'CPU', title: 'User + system CPU time of the container (median ± spread)', format: formatMs },
  { key: 'peakBytes', label: 'Peak mem', title: 'Peak memory of the container (median ± spread)', format: formatBytes },
  { key: 'gcCycles', label: 'GC cycles', title: 'GC cycles (median ± spread)', format: formatCount },
  { key: 'gcPauseTotalMs', label: 'GC pause', title: 'Total GC stop-the-world pause (median ± spread)', format: formatMs },
  { key: 'gcPauseMaxMs', label: 'Max pause', title: 'Longest GC pause (median ± spread)', format: formatMs },
  { key: 'gcCpuFraction', label: 'GC CPU', title: 'Share of CPU the GC used (median ± spread)', format: formatFraction },
  { key: 'nsPerOp', label: 'ns/op', title: 'Benchmark time per operation (median ± spread)', format: formatNs },
  { key: 'bytesPerOp', label: 'B/op', title: 'Benchmark bytes allocated per operation (median ± spread)', format: formatBytes },
  { key: 'allocsPerOp', label: 'allocs/op', title: 'Benchmark allocations per operation (median ± spread)', format: formatCount },
];

/** Benchmark-only metrics get a column only when some configuration has them. */
const OPTIONAL: ReadonlySet<StatKey> = new Set(['nsPerOp', 'bytesPerOp', 'allocsPerOp']);

/** The table's columns for this result, in display order. */
export function columnsFor(result: GcSweepResult): Column[] {
  const cols: Column[] = [
    { key: 'gogc', label: 'GOGC', title: 'GOGC', numeric: true },
    { key: 'memLimit', label: 'GOMEMLIMIT', title: 'GOMEMLIMIT (as asked for)', numeric: false },
    { key: 'container', label: 'Container', title: 'Container memory limit', numeric: true },
  ];
  for (const s of STAT_COLUMNS) {
    if (OPTIONAL.has(s.key) && !result.configs.some((c) => c.stats[s.key])) continue;
    cols.push({ key: s.key, label: s.label, title: s.title, numeric: true });
    // GOMAXPROCS sits with the GC CPU share: the share only reads right beside the P count.
    if (s.key === 'gcCpuFraction') cols.push({ key: 'gomaxprocs', label: 'GOMAXPROCS', title: 'GOMAXPROCS the runtime used', numeric: true });
  }
  cols.push({ key: 'ooms', label: 'OOM', title: 'Runs killed for running out of memory', numeric: true });
  return cols;
}

export interface Row {
  /** Index into result.configs: what `apply` posts, whatever the sort. */
  index: number;
  result: GcConfigResult;
  cells: Partial<Record<ColumnKey, string>>;
  /** Sort keys; undefined sorts last in either direction (unknown is not small). */
  sortKeys: Partial<Record<ColumnKey, number | string>>;
}

function statFormat(key: StatKey): (n: number) => string {
  return (STAT_COLUMNS.find((s) => s.key === key) as (typeof STAT_COLUMNS)[number]).format;
}

/** One row per configuration, in the sweep's order. */
export function buildRows(result: GcSweepResult): Row[] {
  return result.configs.map((cr, index) => {
    const c = cr.config;
    const cells: Row['cells'] = {
      gogc: formatGogc(c.gogc),
      memLimit: c.memLimitBytes > 0 ? c.memLimitLabel : 'none',
      container: c.containerMemoryBytes > 0 ? formatBytes(c.containerMemoryBytes) : 'unlimited',
    };
    const sortKeys: Row['sortKeys'] = {
      // GOGC=off collects least: it sorts after every percentage, as does "no limit" after every limit.
      gogc: c.gogc === 'off' ? Number.MAX_VALUE : c.gogc,
      memLimit: c.memLimitBytes > 0 ? c.memLimitBytes : Number.MAX_VALUE,
      container: c.containerMemoryBytes > 0 ? c.containerMemoryBytes : Number.MAX_VALUE,
      ooms: cr.ooms,
    };
    for (const s of STAT_COLUMNS) {
      const stat: Stat | undefined = cr.stats[s.key];
      cells[s.key] = formatStat(stat, statFormat(s.key));
      if (stat) sortKeys[s.key] = stat.median;
    }
    const p = gomaxprocsOf(cr.runs);
    cells.gomaxprocs = p ? (p.min === p.max ? String(p.min) : `${p.min}–${p.max}`) : '—';
    if (p) sortKeys.gomaxprocs = p.min;
    cells.ooms = cr.ooms > 0 ? `${cr.ooms}/${cr.runs.length} OOM-killed` : '0';
    return { index, result: cr, cells, sortKeys };
  });
}

export interface SortState {
  column: ColumnKey;
  descending: boolean;
}

/** Rows sorted by a column; ties keep the sweep's order so a re-sort never shuffles equal rows. */
export function sortRows(rows: readonly Row[], sort: SortState | undefined): Row[] {
  const out = rows.slice();
  if (!sort) return out;
  const dir = sort.descending ? -1 : 1;
  out.sort((a, b) => {
    const x = a.sortKeys[sort.column];
    const y = b.sortKeys[sort.column];
    if (x === undefined || y === undefined) {
      if (x === y) return a.index - b.index;
      return x === undefined ? 1 : -1;
    }
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? c * dir : a.index - b.index;
  });
  return out;
}

/** Clicking a header: a new column sorts ascending, the same column flips direction. */
export function nextSort(current: SortState | undefined, column: ColumnKey): SortState {
  return current && current.column === column ? { column, descending: !current.descending } : { column, descending: false };
}

/** Short words for the recommendation's kind, shown before its sentence so the kind is not told by colour alone. */
export const KIND_LABEL: Record<RecommendationKind, string> = {
  recommend: 'Recommended',
  noise: 'No clear winner',
  'needs-memory': 'Needs more memory',
  'keep-default': 'Keep the default',
};
