/**
 * From a sweep's runs to its verdict: median and spread of each metric per configuration,
 * the baseline (GOGC=100 without GOMEMLIMIT), the Pareto front of (cost, peak memory), and
 * one recommendation with its reason in one sentence.
 *
 * The rules follow the Go GC guide: a setting is only safe with headroom below the container
 * limit (GOMEMLIMIT is a soft limit; a peak within a few percent of the hard one is one
 * allocation burst from an OOM kill), and a memory limit is not a substitute for memory: when
 * nothing runs safely, the answer is a bigger container, not a cleverer GOGC. Sweeps on a
 * couple of cores are noisy, so a difference smaller than the noise is reported as such.
 */
import type { GcConfig, GcConfigResult, GcRecommendation, GcRunMetrics, Stat } from '../../shared/gc';
import { formatBytes } from '../config';

/** The metrics that get a median and spread. */
export const STAT_KEYS = ['wallMs', 'cpuMs', 'peakBytes', 'gcCycles', 'gcPauseTotalMs', 'gcPauseMaxMs', 'gcCpuFraction', 'nsPerOp', 'bytesPerOp', 'allocsPerOp'] as const;
export type StatKey = (typeof STAT_KEYS)[number];

/** What "cheaper" means for a sweep: per-op time for benchmarks, else CPU time, else wall time. */
export type CostMetric = 'nsPerOp' | 'cpuMs' | 'wallMs';

export interface RecommendOptions {
  /** A safe configuration peaks at most this fraction below the container limit (default 0.05). */
  headroom?: number;
  /** Relative differences below this are noise whatever the spread says (default 0.05; twice that with one run). */
  noise?: number;
}

const MiB = 1024 * 1024;

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median and spread (max - min) of a non-empty list. */
export function statOf(xs: readonly number[]): Stat {
  return { median: median(xs), spread: Math.max(...xs) - Math.min(...xs) };
}

/** A run whose figures count: it finished on its own (not OOM-killed, exit 0). */
export function completed(run: GcRunMetrics): boolean {
  return !run.oomKilled && run.exitCode === 0;
}

/**
 * Median and spread of each metric over the completed runs. A failing run (test failure,
 * timeout) measured something else than the workload, so it is left out like an OOM kill.
 */
export function configStats(runs: readonly GcRunMetrics[]): GcConfigResult['stats'] {
  const ok = runs.filter(completed);
  const stats: GcConfigResult['stats'] = {};
  for (const k of STAT_KEYS) {
    const vals = ok.map((r) => r[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    // Only when every completed run has it: a median over a subset would compare unlike things.
    if (vals.length > 0 && vals.length === ok.length) stats[k] = statOf(vals);
  }
  return stats;
}

/** GOGC=100 without a GOMEMLIMIT: what a Go program does when nobody tunes it. */
export function isBaseline(c: GcConfig): boolean {
  return c.gogc === 100 && c.memLimitBytes === 0;
}

/**
 * The cost metric of a sweep: benchmarks are compared per op because `go test -bench` runs
 * each configuration for a time, not a number of ops, so their CPU totals are not comparable.
 */
export function costMetric(configs: ReadonlyArray<Pick<GcConfigResult, 'stats'>>): CostMetric {
  const measured = configs.filter((c) => Object.keys(c.stats).length > 0);
  if (measured.length > 0 && measured.every((c) => c.stats.nsPerOp)) return 'nsPerOp';
  if (measured.length > 0 && measured.every((c) => c.stats.cpuMs)) return 'cpuMs';
  return 'wallMs';
}

/**
 * Pareto front of (cost, peak memory) among configurations without an OOM kill: true for each
 * configuration no other one beats on both (at least as good on both, better on one).
 */
export function paretoFront(configs: ReadonlyArray<Pick<GcConfigResult, 'stats' | 'ooms'>>, metric: CostMetric = costMetric(configs)): boolean[] {
  const point = (c: Pick<GcConfigResult, 'stats' | 'ooms'>) => {
    const cost = c.stats[metric]?.median;
    const peak = c.stats.peakBytes?.median;
    return c.ooms === 0 && cost !== undefined && peak !== undefined ? { cost, peak } : undefined;
  };
  const pts = configs.map(point);
  return pts.map((p, i) => {
    if (!p) return false;
    return !pts.some((q, j) => j !== i && q !== undefined && q.cost <= p.cost && q.peak <= p.peak && (q.cost < p.cost || q.peak < p.peak));
  });
}

/** A sweep's raw runs per configuration turned into results: stats, OOM counts, baseline and Pareto marks. */
export function summarise(raw: ReadonlyArray<{ config: GcConfig; runs: GcRunMetrics[] }>): GcConfigResult[] {
  const results: GcConfigResult[] = raw.map(({ config, runs }) => ({
    config,
    runs,
    stats: configStats(runs),
    ooms: runs.filter((r) => r.oomKilled).length,
    pareto: false,
    baseline: isBaseline(config),
  }));
  const front = paretoFront(results);
  results.forEach((r, i) => (r.pareto = front[i]));
  return results;
}

/** `GOGC=200, GOMEMLIMIT=870MiB` (the form a user would set them in). */
export function configName(c: GcConfig): string {
  return `GOGC=${c.gogc}, GOMEMLIMIT=${c.memLimitBytes > 0 ? goMemLimitValue(c.memLimitBytes) : 'none'}`;
}

/** GOMEMLIMIT's own syntax: whole MiB when it is a whole MiB (always, for limits the sweep made), else bytes. */
export function goMemLimitValue(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB}MiB` : String(Math.round(bytes));
}

/** The environment a configuration runs with (and a recommendation applies). */
export function configEnv(c: GcConfig): Record<string, string> {
  return { GOGC: String(c.gogc), ...(c.memLimitBytes > 0 ? { GOMEMLIMIT: goMemLimitValue(c.memLimitBytes) } : {}) };
}

function mib(bytes: number): string {
  return `${Math.round(bytes / MiB)} MiB`;
}

function largestPeak(r: GcConfigResult): number | undefined {
  const peaks = r.runs.filter(completed).map((x) => x.peakBytes).filter((v): v is number => v !== undefined);
  return peaks.length > 0 ? Math.max(...peaks) : undefined;
}

/** Why a configuration is not safe to recommend, or undefined when it is. */
function unsafeBecause(r: GcConfigResult, headroom: number): string | undefined {
  const done = r.runs.filter(completed).length;
  if (r.ooms > 0) return `OOM-killed in ${r.ooms} of ${r.runs.length} runs`;
  if (done === 0) return `no run completed`;
  const peak = largestPeak(r);
  if (peak !== undefined && peak > (1 - headroom) * r.config.containerMemoryBytes) return `peaked at ${mib(peak)} of ${formatBytes(r.config.containerMemoryBytes)}`;
  return undefined;
}

function costWords(metric: CostMetric): string {
  return metric === 'cpuMs' ? 'CPU' : metric === 'nsPerOp' ? 'time per op' : 'wall time';
}

function costValue(metric: CostMetric, v: number): string {
  if (metric === 'nsPerOp') return v >= 1e6 ? `${(v / 1e6).toFixed(2)} ms/op` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} µs/op` : `${v.toFixed(0)} ns/op`;
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

/** The lowest and highest cost of a configuration's completed runs. */
function costRange(r: GcConfigResult, metric: CostMetric): [number, number] | undefined {
  const vals = r.runs.filter(completed).map((x) => x[metric]).filter((v): v is number => v !== undefined);
  return vals.length > 0 ? [Math.min(...vals), Math.max(...vals)] : undefined;
}

/**
 * The recommendation of a summarised sweep:
 * - `needs-memory` when no configuration runs safely (every one OOM-killed or peaking within
 *   the headroom of its container limit);
 * - `recommend` for the cheapest safe configuration when it beats the baseline beyond the
 *   noise (or when the baseline itself is not safe);
 * - `noise` when it beats the baseline only within the noise;
 * - `keep-default` when the baseline is already the cheapest safe configuration.
 */
export function recommend(results: readonly GcConfigResult[], options: RecommendOptions = {}): GcRecommendation {
  const headroom = options.headroom ?? 0.05;
  const noise = options.noise ?? 0.05;
  const metric = costMetric(results);
  if (results.length === 0) return { kind: 'keep-default', reason: 'Nothing was measured, so there is nothing to recommend.' };

  const safe = results.filter((r) => unsafeBecause(r, headroom) === undefined && r.stats[metric] !== undefined);
  if (safe.length === 0) {
    const limits = [...new Set(results.map((r) => r.config.containerMemoryBytes))].sort((a, b) => a - b);
    const ooms = results.reduce((n, r) => n + r.ooms, 0);
    const runs = results.reduce((n, r) => n + r.runs.length, 0);
    const completedAny = results.some((r) => r.runs.some(completed));
    if (ooms === 0 && !completedAny) {
      return { kind: 'keep-default', reason: `No run completed (${runs} runs failed without an OOM kill), so there is nothing to compare: fix the target first.` };
    }
    const peaks = results.map(largestPeak).filter((v): v is number => v !== undefined);
    const peakText = peaks.length > 0 ? `, the largest peak was ${mib(Math.max(...peaks))}` : '';
    return {
      kind: 'needs-memory',
      reason:
        `Every configuration was OOM-killed or came within ${Math.round(headroom * 100)}% of the ${limits.map(formatBytes).join(' / ')} container limit ` +
        `(${ooms} of ${runs} runs OOM-killed${peakText}): the container needs more memory, which no GOGC or GOMEMLIMIT can replace.`,
    };
  }

  const cost = (r: GcConfigResult) => r.stats[metric]?.median ?? Infinity;
  // Cheapest first; equal cost goes to the smaller peak.
  const best = [...safe].sort((a, b) => cost(a) - cost(b) || (a.stats.peakBytes?.median ?? 0) - (b.stats.peakBytes?.median ?? 0))[0];
  const baseline = results.find((r) => r.baseline && r.config.containerMemoryBytes === best.config.containerMemoryBytes) ?? results.find((r) => r.baseline);
  const runsOf = (r: GcConfigResult) => `${r.runs.length} run${r.runs.length === 1 ? '' : 's'}`;
  // The largest peak of the runs, not the median: headroom is about the worst case.
  const peakOf = (r: GcConfigResult) => {
    const p = largestPeak(r);
    return p !== undefined ? `peak ${mib(p)} of ${formatBytes(r.config.containerMemoryBytes)}` : `under ${formatBytes(r.config.containerMemoryBytes)}`;
  };
  const recommendation = (r: GcConfigResult, why: string): GcRecommendation => ({
    kind: 'recommend',
    config: r.config,
    env: configEnv(r.config),
    reason: `${configName(r.config)}: ${why}, ${peakOf(r)}, no OOM in ${runsOf(r)}.`,
  });

  const baselineProblem = baseline ? unsafeBecause(baseline, headroom) : 'was not measured';
  if (baselineProblem !== undefined) {
    return recommendation(best, `the cheapest safe setting (${costValue(metric, cost(best))} ${costWords(metric)}) where the default GOGC=100 without a limit ${baselineProblem}`);
  }
  const base = baseline as GcConfigResult;
  // What the default is measured against: the cheapest safe setting, or when that is the
  // default itself, the runner-up (to tell "clearly best" from "all the same").
  const rival = best === base ? [...safe].filter((r) => r !== base).sort((a, b) => cost(a) - cost(b))[0] : best;
  const keepDefault = (): GcRecommendation => ({
    kind: 'keep-default',
    config: base.config,
    env: configEnv(base.config),
    reason: `Keep the default GOGC=100 without GOMEMLIMIT: no other safe setting used less ${costWords(metric)} (${costValue(metric, cost(base))}, ${peakOf(base)}, no OOM in ${runsOf(base)}).`,
  });
  if (!rival) return keepDefault();
  const [cheap, dear] = rival === best ? [rival, base] : [base, rival];
  const gain = (cost(dear) - cost(cheap)) / cost(dear);
  const cheapRange = costRange(cheap, metric);
  const dearRange = costRange(dear, metric);
  // Ranges of the repeats overlap: some run of the dearer one was as cheap as some run of the cheaper.
  const overlaps = cheapRange !== undefined && dearRange !== undefined && cheapRange[1] >= dearRange[0];
  // With a single run on either side there is no spread to judge the noise by: ask for twice
  // the margin rather than trust one sample.
  const single = cheap.runs.filter(completed).length < 2 || dear.runs.filter(completed).length < 2;
  if (gain < (single ? 2 * noise : noise) || overlaps) {
    const pct = Math.round(gain * 100);
    const vs = `(${costValue(metric, cost(cheap))} vs ${costValue(metric, cost(dear))}${overlaps ? ', with overlapping repeats' : ''})`;
    return {
      kind: 'noise',
      reason:
        rival === best
          ? `The differences are within the noise: the cheapest setting, ${configName(best.config)}, used ${pct}% less ${costWords(metric)} than the default ${vs}, so keep GOGC=100 or repeat the sweep with more runs.`
          : `The differences are within the noise: the default was the cheapest, but ${configName(rival.config)} used only ${pct}% more ${costWords(metric)} ${vs}, so any of them will do; repeat the sweep with more runs to separate them.`,
    };
  }
  if (best === base) return keepDefault();
  return recommendation(best, `${Math.round(gain * 100)}% less ${costWords(metric)} than the default (${costValue(metric, cost(best))} vs ${costValue(metric, cost(base))})`);
}
