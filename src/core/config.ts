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
  lab: {
    /**
     * Base image of the lab (lab/Dockerfile's BASE): a Go image from a registry, `auto` for
     * `golang:<the host's Go major.minor>`, or `local` to build one on this machine from its
     * own Go toolchain (no registry needed).
     */
    baseImage: string;
    /** Container memory limit, e.g. `1g`, `512m` (cgroup; swap is not allowed past it). */
    memory: string;
    /** CPUs the container may use (fractions allowed). */
    cpus: number;
    /** Maximum processes and threads in the container. */
    pids: number;
    /** Allow the container network access (module downloads); off keeps runs hermetic. */
    network: boolean;
    /** A lab run is killed after this many minutes. */
    timeoutMinutes: number;
    /** Show "race (lab)" CodeLenses above test functions. */
    codeLens: boolean;
  };
  /**
   * Go functions (regular expressions over symbol names, e.g. `^main\\.work$`) probed with eBPF
   * uprobes in every Go debug session.
   */
  probes: string[];
  /** How probes run: bpftrace when it can probe return instructions (`auto`), or always one engine. */
  probeEngine: 'auto' | 'bpftrace' | 'tracefs';
  /** The bpftrace binary; empty: `bpftrace` on PATH. */
  bpftracePath: string;
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
  lab: {
    baseImage: 'auto',
    memory: '1g',
    cpus: 2,
    pids: 512,
    network: false,
    timeoutMinutes: 30,
    codeLens: true,
  },
  probes: [],
  probeEngine: 'auto',
  bpftracePath: '',
  trace: { server: 'off' },
};

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/**
 * Bytes of a size written as Docker writes them (`512m`, `1g`, `1.5GiB`, `268435456`);
 * undefined when it is not one. Units are powers of 1024, as in `docker run --memory`.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 ? bytes : undefined;
}

/** `1073741824` -> `1 GiB`, `805306368` -> `768 MiB`: limits as users wrote them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

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
  const l = isRecord(root.lab) ? root.lab : {};
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
    lab: {
      baseImage: typeof l.baseImage === 'string' && l.baseImage.trim() !== '' ? l.baseImage.trim() : d.lab.baseImage,
      memory: typeof l.memory === 'string' && parseByteSize(l.memory) !== undefined ? l.memory : d.lab.memory,
      cpus: num(l.cpus, d.lab.cpus, 0.01),
      pids: Math.round(num(l.pids, d.lab.pids, 16)),
      network: typeof l.network === 'boolean' ? l.network : d.lab.network,
      timeoutMinutes: num(l.timeoutMinutes, d.lab.timeoutMinutes, 0.1),
      codeLens: typeof l.codeLens === 'boolean' ? l.codeLens : d.lab.codeLens,
    },
    probes: Array.isArray(root.probes) ? root.probes.filter((p): p is string => typeof p === 'string' && p.trim() !== '') : d.probes,
    probeEngine: root.probeEngine === 'bpftrace' || root.probeEngine === 'tracefs' ? root.probeEngine : d.probeEngine,
    bpftracePath: typeof root.bpftracePath === 'string' ? root.bpftracePath.trim() : d.bpftracePath,
    trace: { server: t.server === 'messages' || t.server === 'verbose' ? t.server : 'off' },
  };
}
