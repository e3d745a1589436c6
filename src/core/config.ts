/**
 * The typed settings of Go Concurrency Lab, shared by the extension, the server and the CLI.
 * package.json's `contributes.configuration` must describe exactly these keys and defaults; a
 * unit test keeps the two in step.
 */
import type { SeveritySetting } from './analysis/types';

export type TraceSetting = 'off' | 'messages' | 'verbose';

export interface GolabConfig {
  analysis: {
    /** Turns the analyzer (diagnostics and quick fixes) on or off. */
    enable: boolean;
    /** Severity per rule code (`closure/loopvar`: `warning`), `off` to disable a rule. */
    rules: Record<string, SeveritySetting>;
    /** Analyse every Go file of the workspace, not only open ones. */
    workspaceDiagnostics: boolean;
    /** Globs (relative to a workspace folder) skipped by workspace analysis and the CLI. */
    exclude: string[];
    /** Files larger than this are not analysed; a notice says so instead. */
    maxFileSizeMB: number;
    /** Parsing, and then analysing, one file each get this long; past it the file gets a notice. */
    timeoutMs: number;
  };
  trace: { server: TraceSetting };
}

export const CONFIG_DEFAULTS: GolabConfig = {
  analysis: {
    enable: true,
    rules: {},
    workspaceDiagnostics: true,
    exclude: ['**/vendor/**', '**/testdata/**', '**/node_modules/**', '**/.git/**'],
    maxFileSizeMB: 10,
    timeoutMs: 3000,
  },
  trace: { server: 'off' },
};

const SEVERITIES: readonly string[] = ['error', 'warning', 'info', 'hint', 'off'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, fallback: number, min: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback;
}

/**
 * Turns untrusted settings (user JSON, LSP configuration responses, CLI config files) into a
 * complete, valid config: unknown keys are ignored, wrong types fall back to defaults.
 */
export function normalizeConfig(raw: unknown): GolabConfig {
  const d = CONFIG_DEFAULTS;
  const root = isRecord(raw) ? raw : {};
  const a = isRecord(root.analysis) ? root.analysis : {};
  const t = isRecord(root.trace) ? root.trace : {};
  const rules: Record<string, SeveritySetting> = {};
  if (isRecord(a.rules)) {
    for (const [code, sev] of Object.entries(a.rules)) {
      if (typeof sev === 'string' && SEVERITIES.includes(sev)) rules[code] = sev as SeveritySetting;
    }
  }
  return {
    analysis: {
      enable: typeof a.enable === 'boolean' ? a.enable : d.analysis.enable,
      rules,
      workspaceDiagnostics:
        typeof a.workspaceDiagnostics === 'boolean' ? a.workspaceDiagnostics : d.analysis.workspaceDiagnostics,
      exclude: Array.isArray(a.exclude) ? a.exclude.filter((g): g is string => typeof g === 'string') : d.analysis.exclude,
      maxFileSizeMB: num(a.maxFileSizeMB, d.analysis.maxFileSizeMB, 0),
      timeoutMs: num(a.timeoutMs, d.analysis.timeoutMs, 1),
    },
    trace: { server: t.server === 'messages' || t.server === 'verbose' ? t.server : 'off' },
  };
}
