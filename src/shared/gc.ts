/**
 * The GC tuning sweep's result and the messages of its report webview. Core runs the sweep and
 * recommends (src/core/gc), the extension shows the report (src/webview/gcreport) and applies
 * the chosen setting; the CLI prints the same result as text or JSON.
 */

/** One GC configuration of the grid. `memLimitBytes` 0 = no GOMEMLIMIT. */
export interface GcConfig {
  /** GOGC: a percentage, or 'off'. */
  gogc: number | 'off';
  /** GOMEMLIMIT in bytes (0 = none). */
  memLimitBytes: number;
  /** How the limit was asked for: `none`, `85%` (of the container limit) or `870MiB`. */
  memLimitLabel: string;
  /** The container memory limit this configuration ran under (a sweep may try several). */
  containerMemoryBytes: number;
}

/** What one run of one configuration measured. Absent values were not observable. */
export interface GcRunMetrics {
  wallMs: number;
  /** User + system CPU time of the container's cgroup. */
  cpuMs?: number;
  /** Peak memory of the container's cgroup. */
  peakBytes?: number;
  oomKilled: boolean;
  exitCode: number;
  /** From GODEBUG=gctrace=1. */
  gcCycles?: number;
  gcPauseTotalMs?: number;
  gcPauseMaxMs?: number;
  /** The runtime's GC CPU fraction at the end (the `N%` of the last gctrace line), 0..1. */
  gcCpuFraction?: number;
  /** GOMAXPROCS the runtime used (the `N P` of gctrace lines): Go 1.25+ derives it from the CPU quota. */
  gomaxprocs?: number;
  /** Benchmarks only. */
  nsPerOp?: number;
  bytesPerOp?: number;
  allocsPerOp?: number;
}

/** Median and spread (max - min) of one metric over a configuration's repeats. */
export interface Stat {
  median: number;
  spread: number;
}

export interface GcConfigResult {
  config: GcConfig;
  runs: GcRunMetrics[];
  /** Over the runs that were not OOM-killed; absent if none completed. */
  stats: Partial<Record<'wallMs' | 'cpuMs' | 'peakBytes' | 'gcCycles' | 'gcPauseTotalMs' | 'gcPauseMaxMs' | 'gcCpuFraction' | 'nsPerOp' | 'bytesPerOp' | 'allocsPerOp', Stat>>;
  ooms: number;
  /** On the Pareto front of (CPU or time, peak memory) among configurations without OOM. */
  pareto: boolean;
  /** GOGC=100 without a limit: the baseline. */
  baseline: boolean;
}

export type RecommendationKind = 'recommend' | 'noise' | 'needs-memory' | 'keep-default';

export interface GcRecommendation {
  kind: RecommendationKind;
  /** The configuration to apply (kind 'recommend'). */
  config?: GcConfig;
  /** One sentence: what and why, with the figures. */
  reason: string;
  /** Environment variables to apply: { GOGC: '200', GOMEMLIMIT: '870MiB' }. */
  env?: Record<string, string>;
}

export interface GcSweepResult {
  /** What ran: "BenchmarkParse in ./parser", "TestLoad", "./cmd/server -load 10s". */
  target: string;
  cpus: number;
  repeats: number;
  configs: GcConfigResult[];
  recommendation: GcRecommendation;
  /** When the sweep ran. */
  createdAt: string;
  /** Go version in the lab. */
  goVersion?: string;
}

/** Extension host -> report webview. */
export type ToGcReport = { type: 'load'; result: GcSweepResult };

/** Report webview -> extension host. */
export type FromGcReport =
  | { type: 'ready' }
  | { type: 'apply'; config: number }
  | { type: 'export'; format: 'csv' | 'json' };

export function isFromGcReport(v: unknown): v is FromGcReport {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return true;
    case 'apply':
      return Number.isInteger(m.config) && (m.config as number) >= 0;
    case 'export':
      return m.format === 'csv' || m.format === 'json';
    default:
      return false;
  }
}
