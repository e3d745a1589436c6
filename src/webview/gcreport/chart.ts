/**
 * The trade-off chart as numbers: time (CPU when every completed configuration has it, else
 * wall) against peak memory, one point per configuration, in pixel coordinates. Pure (no DOM)
 * so scales, the Pareto line and the OOM band are unit-tested under Node; app.ts only draws.
 */
import type { GcConfigResult, GcSweepResult } from '../../shared/gc';
import { configName, formatBytes, formatMs } from './format';

export interface Scale {
  domain: [number, number];
  range: [number, number];
  ticks: number[];
}

/** Maps a domain value onto the range, linearly. */
export function project(s: Scale, v: number): number {
  const [d0, d1] = s.domain;
  const [r0, r1] = s.range;
  return d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/**
 * A domain covering [min, max] on round numbers (1, 2 or 5 × 10^k of `unit`) and its ticks.
 * `unit` lets bytes tick on whole MiB/GiB instead of powers of ten of bytes.
 */
export function niceScale(min: number, max: number, range: [number, number], unit = 1, count = 5): Scale {
  let lo = min / unit;
  let hi = max / unit;
  if (!(hi > lo)) {
    // One value (or none): widen around it so the point sits inside the frame, not on its edge.
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // Rounded to the step's precision: float steps (0.1 + 0.2) would print as 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const round = (v: number): number => Number(v.toFixed(decimals));
  const start = round(Math.floor(lo / step) * step);
  const end = round(Math.ceil(hi / step) * step);
  const ticks: number[] = [];
  for (let i = 0; start + i * step <= end + step / 2; i++) ticks.push(round(start + i * step) * unit);
  return { domain: [start * unit, end * unit], range, ticks };
}

/** The 1024-power unit that keeps memory ticks on whole KiB/MiB/GiB. */
export function byteUnit(max: number): number {
  let u = 1;
  while (max / u >= 1024 * 2 && u < 1024 ** 4) u *= 1024;
  return u;
}

export type TimeMetric = 'cpuMs' | 'wallMs';

/**
 * CPU time when every configuration that completed measured it: GC work shows up as CPU on
 * other cores before it shows up as wall time. Mixing the two on one axis would compare
 * different things, hence all or nothing.
 */
export function timeMetric(result: GcSweepResult): TimeMetric {
  const done = result.configs.filter((c) => c.stats.wallMs);
  return done.length > 0 && done.every((c) => c.stats.cpuMs) ? 'cpuMs' : 'wallMs';
}

/** The smallest and largest value the completed runs measured, for the error bars. */
export function runRange(cr: GcConfigResult, metric: 'cpuMs' | 'wallMs' | 'peakBytes'): [number, number] | undefined {
  const vs = cr.runs.filter((r) => !r.oomKilled).map((r) => r[metric]).filter((v): v is number => typeof v === 'number');
  if (vs.length > 0) return [Math.min(...vs), Math.max(...vs)];
  // Runs without the figure (a summarised result): centre the spread on the median instead.
  const s = cr.stats[metric];
  return s ? [s.median - s.spread / 2, s.median + s.spread / 2] : undefined;
}

export interface ChartPoint {
  /** Index into result.configs. */
  index: number;
  x: number;
  y: number;
  /** Error bars in pixels: [left, right] and [top, bottom]; absent when the spread is 0. */
  xBar?: [number, number];
  yBar?: [number, number];
  /** Drawn as a cross in the OOM band at the top: at least one run was OOM-killed. */
  oom: boolean;
  pareto: boolean;
  baseline: boolean;
  /** What hover, focus and screen readers say about the point. */
  label: string;
  lines: string[];
}

export interface ChartModel {
  width: number;
  height: number;
  /** The plotting area; the OOM band lies above it. */
  plot: { left: number; top: number; right: number; bottom: number };
  oomBandY: number;
  metric: TimeMetric;
  x: Scale;
  y: Scale;
  xUnit: number;
  points: ChartPoint[];
  /** The Pareto front as a polyline, left to right. */
  pareto: Array<[number, number]>;
  /** Container memory limits, as vertical lines (memory is the x axis). */
  limits: Array<{ x: number; label: string }>;
}

export const MARGIN = { left: 70, right: 20, top: 40, bottom: 44 };

/** Points of the Pareto front in the order the line joins them: by memory, then by time. */
export function paretoOrder<T extends { x: number; y: number; pareto: boolean; oom: boolean }>(points: readonly T[]): T[] {
  return points.filter((p) => p.pareto && !p.oom).sort((a, b) => a.x - b.x || a.y - b.y);
}

function describe(cr: GcConfigResult, metric: TimeMetric): string[] {
  const lines: string[] = [];
  const t = cr.stats[metric];
  const m = cr.stats.peakBytes;
  const name = metric === 'cpuMs' ? 'CPU' : 'Wall';
  if (t) lines.push(`${name} ${formatMs(t.median)}${t.spread > 0 ? ` ± ${formatMs(t.spread)}` : ''}`);
  if (m) lines.push(`Peak ${formatBytes(m.median)}${m.spread > 0 ? ` ± ${formatBytes(m.spread)}` : ''}`);
  if (cr.config.containerMemoryBytes > 0) lines.push(`Container ${formatBytes(cr.config.containerMemoryBytes)}`);
  if (cr.ooms > 0) lines.push(`OOM-killed in ${cr.ooms} of ${cr.runs.length} runs`);
  const marks = [cr.baseline ? 'baseline' : '', cr.pareto ? 'on the Pareto front' : ''].filter(Boolean);
  if (marks.length > 0) lines.push(marks.join(', '));
  return lines;
}

/** Crosses closer than this (px) are spread apart: two OOM-killed configurations at one limit must read as two. */
export const OOM_GAP = 16;

/**
 * Moves OOM crosses that would overlap apart along the band, keeping their order. OOM
 * configurations often share an x (the container limit they hit), and a cross drawn over
 * another hides that a second configuration failed.
 */
export function spreadOverlaps(points: ChartPoint[]): void {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.index - b.index);
  let i = 0;
  while (i < sorted.length) {
    let j = i + 1;
    while (j < sorted.length && sorted[j].x - sorted[j - 1].x < OOM_GAP) j++;
    const n = j - i;
    if (n > 1) {
      const centre = (sorted[i].x + sorted[j - 1].x) / 2;
      for (let k = 0; k < n; k++) sorted[i + k].x = centre + (k - (n - 1) / 2) * OOM_GAP;
    }
    i = j;
  }
}

/** Places every configuration on a `width` × `height` chart. */
export function chartModel(result: GcSweepResult, width: number, height: number): ChartModel {
  const metric = timeMetric(result);
  const plot = { left: MARGIN.left, top: MARGIN.top, right: width - MARGIN.right, bottom: height - MARGIN.bottom };
  const limitsBytes = [...new Set(result.configs.map((c) => c.config.containerMemoryBytes).filter((b) => b > 0))].sort((a, b) => a - b);

  const xs: number[] = [...limitsBytes];
  const ys: number[] = [];
  for (const cr of result.configs) {
    const xr = runRange(cr, 'peakBytes');
    const yr = runRange(cr, metric);
    if (xr) xs.push(...xr);
    if (yr && cr.ooms === 0) ys.push(...yr);
  }
  // Memory from 0: the eye reads distance from the axis as size, and a limit at 512 MiB next to
  // peaks of 400 MiB must look close. Time is zoomed to the data: differences of a few percent
  // are the whole point of the sweep.
  const xMax = xs.length > 0 ? Math.max(...xs) : 1;
  const xUnit = byteUnit(xMax);
  const x = niceScale(0, xMax, [plot.left, plot.right], xUnit);
  const y = ys.length > 0 ? niceScale(Math.min(...ys), Math.max(...ys), [plot.bottom, plot.top]) : niceScale(0, 1, [plot.bottom, plot.top]);
  const oomBandY = plot.top - 20;

  const points: ChartPoint[] = [];
  result.configs.forEach((cr, index) => {
    const peak = cr.stats.peakBytes?.median ?? (cr.ooms > 0 ? cr.config.containerMemoryBytes : undefined);
    const time = cr.stats[metric]?.median;
    const oom = cr.ooms > 0;
    // A configuration that neither finished nor was killed measured nothing to place.
    if (peak === undefined || (!oom && time === undefined)) return;
    const px = project(x, peak);
    const lines = describe(cr, metric);
    const p: ChartPoint = { index, x: px, y: oom ? oomBandY : project(y, time as number), oom, pareto: cr.pareto, baseline: cr.baseline, label: `${configName(cr.config)}: ${lines.join('; ')}`, lines };
    const xr = runRange(cr, 'peakBytes');
    if (xr && xr[1] > xr[0]) p.xBar = [project(x, xr[0]), project(x, xr[1])];
    const yr = runRange(cr, metric);
    if (!oom && yr && yr[1] > yr[0]) p.yBar = [project(y, yr[1]), project(y, yr[0])];
    points.push(p);
  });

  spreadOverlaps(points.filter((p) => p.oom));

  return {
    width,
    height,
    plot,
    oomBandY,
    metric,
    x,
    y,
    xUnit,
    points,
    pareto: paretoOrder(points).map((p) => [p.x, p.y]),
    limits: limitsBytes.map((b) => ({ x: project(x, b), label: `container ${formatBytes(b)}` })),
  };
}
