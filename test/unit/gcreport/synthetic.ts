/**
 * Synthetic GC sweep results for the report's tests: a GOGC × GOMEMLIMIT grid whose figures
 * behave as the GC does (higher GOGC: fewer cycles, less CPU, more memory; GOGC=off without a
 * limit: OOM-killed), with seeded noise so every run of the tests sees the same result.
 */
import type { GcConfig, GcConfigResult, GcRunMetrics, GcSweepResult, Stat } from '../../../src/shared/gc';

const MiB = 1024 * 1024;

/** mulberry32: small, seedable, good enough for test noise. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stat(values: number[]): Stat | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, spread: s[s.length - 1] - s[0] };
}

export interface SyntheticOptions {
  seed?: number;
  repeats?: number;
  /** Benchmark target: ns/op, B/op, allocs/op are measured. */
  bench?: boolean;
  /** Whether the cgroup CPU time was observable (else the chart falls back to wall time). */
  cpu?: boolean;
  gogcs?: Array<number | 'off'>;
  /** GOMEMLIMIT as a share of the container limit; 0 = none. */
  limits?: number[];
  containerMemoryBytes?: number[];
}

function metricsOf(cr: GcConfigResult): void {
  const done = cr.runs.filter((r) => !r.oomKilled);
  const keys = ['wallMs', 'cpuMs', 'peakBytes', 'gcCycles', 'gcPauseTotalMs', 'gcPauseMaxMs', 'gcCpuFraction', 'nsPerOp', 'bytesPerOp', 'allocsPerOp'] as const;
  for (const k of keys) {
    const s = stat(done.map((r) => r[k]).filter((v): v is number => typeof v === 'number'));
    if (s) cr.stats[k] = s;
  }
}

/** Marks the configurations no other completed configuration beats on both time and memory. */
function markPareto(configs: GcConfigResult[], metric: 'cpuMs' | 'wallMs'): void {
  const ok = configs.filter((c) => c.ooms === 0 && c.stats[metric] && c.stats.peakBytes);
  for (const c of ok) {
    const t = c.stats[metric]?.median ?? 0;
    const m = c.stats.peakBytes?.median ?? 0;
    c.pareto = !ok.some((o) => {
      const ot = o.stats[metric]?.median ?? 0;
      const om = o.stats.peakBytes?.median ?? 0;
      return o !== c && ot <= t && om <= m && (ot < t || om < m);
    });
  }
}

export function syntheticSweep(opts: SyntheticOptions = {}): GcSweepResult {
  const rand = rng(opts.seed ?? 1);
  const repeats = opts.repeats ?? 5;
  const cpuKnown = opts.cpu ?? true;
  const gogcs = opts.gogcs ?? [50, 100, 200, 400, 'off'];
  const limits = opts.limits ?? [0, 0.85];
  const containers = opts.containerMemoryBytes ?? [512 * MiB];
  const live = 140 * MiB;
  const configs: GcConfigResult[] = [];
  for (const container of containers) {
    for (const share of limits) {
      for (const gogc of gogcs) {
        const memLimitBytes = share > 0 ? Math.round(container * share) : 0;
        const config: GcConfig = { gogc, memLimitBytes, memLimitLabel: share > 0 ? `${Math.round(share * 100)}%` : 'none', containerMemoryBytes: container };
        const g = gogc === 'off' ? Infinity : gogc;
        // The heap goal: live × (1 + GOGC/100), capped by the limit; the runtime's own overhead on top.
        let goal = live * (1 + g / 100);
        if (memLimitBytes > 0) goal = Math.min(goal, memLimitBytes * 0.95);
        const runs: GcRunMetrics[] = [];
        for (let i = 0; i < repeats; i++) {
          const noise = 1 + (rand() - 0.5) * 0.06;
          const peak = Number.isFinite(goal) ? (goal + 30 * MiB) * noise : Infinity;
          const oom = peak > container;
          const cycles = Number.isFinite(goal) ? Math.max(1, Math.round((4000 * MiB) / (goal - live + 8 * MiB))) : 0;
          const gcCpu = Math.min(0.5, cycles * 0.0009) * noise;
          const cpuMs = 4000 * (1 + gcCpu) * noise;
          const run: GcRunMetrics = {
            wallMs: oom ? 900 * noise : (cpuMs / 3.2) * noise,
            oomKilled: oom,
            exitCode: oom ? 137 : 0,
            gomaxprocs: 4,
          };
          if (!oom) {
            if (cpuKnown) run.cpuMs = cpuMs;
            run.peakBytes = Math.round(peak);
            run.gcCycles = cycles;
            run.gcPauseTotalMs = cycles * 0.12 * noise;
            run.gcPauseMaxMs = 0.4 * noise + (g < 100 ? 0.3 : 0);
            run.gcCpuFraction = gcCpu;
            if (opts.bench) {
              run.nsPerOp = 52000 * (1 + gcCpu) * noise;
              run.bytesPerOp = 18432;
              run.allocsPerOp = 211;
            }
          }
          runs.push(run);
        }
        const cr: GcConfigResult = { config, runs, stats: {}, ooms: runs.filter((r) => r.oomKilled).length, pareto: false, baseline: gogc === 100 && memLimitBytes === 0 };
        metricsOf(cr);
        configs.push(cr);
      }
    }
  }
  markPareto(configs, cpuKnown ? 'cpuMs' : 'wallMs');
  const pick = configs.find((c) => c.config.gogc === 400 && c.config.memLimitBytes > 0 && c.ooms === 0);
  const base = configs.find((c) => c.baseline);
  const recommendation: GcSweepResult['recommendation'] =
    pick && base
      ? {
          kind: 'recommend',
          config: { ...pick.config },
          reason: `GOGC=400 with GOMEMLIMIT=${pick.config.memLimitLabel} cuts CPU time by ${Math.round((1 - (pick.stats.cpuMs?.median ?? pick.stats.wallMs?.median ?? 0) / (base.stats.cpuMs?.median ?? base.stats.wallMs?.median ?? 1)) * 100)}% against the default, with peak memory staying under the container limit.`,
          env: { GOGC: '400', GOMEMLIMIT: `${Math.round(pick.config.memLimitBytes / MiB)}MiB` },
        }
      : { kind: 'keep-default', reason: 'No configuration beat GOGC=100 by more than the run-to-run noise: keep the default.' };
  return { target: opts.bench ? 'BenchmarkParse in ./parser' : './cmd/server -load 10s', cpus: 4, repeats, configs, recommendation, createdAt: '2026-11-29T09:30:00Z', goVersion: 'go1.25.3' };
}
