/**
 * A deterministic fuzzer for the analyzer: it mutates real Go files (a seeded sample of
 * GOROOT/src, the analysis fixtures and the labelled corpus) the way half-typed and broken
 * code looks in an editor, and runs each variant through the same entry point as the CLI and
 * the workspace analysis (`analyzeText`). It records exceptions (there must be none: a
 * tree-sitter tree is error-tolerant, so every rule must cope with ERROR and MISSING nodes
 * anywhere), variants slower than a budget, and the slowest variants.
 *
 * Every variant is a pure function of (source list, seed, index), so a reported variant
 * reproduces with `node out/test/bench/fuzz.js --seed S --only INDEX --source FILE`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeText, type FileAnalysisOptions } from '../../src/core/analysis/file';
import { GoVersionResolver } from '../../src/core/analysis/goVersion';
import { GoParser } from '../../src/core/analysis/parser';
import { prng } from '../bench/lib/synthetic';

/** One real Go file a variant starts from. */
export interface FuzzSource {
  file: string;
  text: string;
}

/** A mutated text and how it was made. */
export interface Variant {
  index: number;
  source: string;
  /** The mutations applied, in order, e.g. `insert "go func(){" at 1234`. */
  mutations: string[];
  text: string;
}

export type VariantStatus = 'analysed' | 'skipped' | 'exception';

/** What happened to one variant. */
export interface VariantOutcome {
  index: number;
  source: string;
  mutations: string[];
  status: VariantStatus;
  /** Wall time of analyzeText (parse + type facts + rules). */
  ms: number;
  /**
   * CPU time of this process over the same span (user + system): on a loaded machine wall
   * time includes waiting for a CPU, which says nothing about the analyzer.
   */
  cpuMs: number;
  /** analyzeText's own split, so a slow variant says whether the parser or the rules took the time. */
  parseMs: number;
  analyzeMs: number;
  bytes: number;
  findings: number;
  /** The notice shown to users when the file was not analysed. */
  notice?: string;
  /** The exception, with its first stack frame. */
  error?: string;
}

export interface FuzzOptions {
  variants: number;
  seed: number;
  /** A variant slower than this is reported as a hang (the per-file budget). */
  slowMs?: number;
  /** Only run this variant (reproduce a report). */
  only?: number;
  /** With `only`: mutate this file instead of the drawn one (see makeVariant). */
  source?: FuzzSource;
  /** Unmutated sources analysed before the measured run, so JIT warm-up is not counted. */
  warmup?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FuzzReport {
  seed: number;
  sources: number;
  variants: number;
  analysed: number;
  skipped: number;
  exceptions: VariantOutcome[];
  /** Variants over `slowMs` of wall time. */
  slow: VariantOutcome[];
  /** Variants over `slowMs` of CPU time (the analyzer's own cost, whatever the machine's load). */
  slowCpu: VariantOutcome[];
  slowMs: number;
  /** The ten slowest variants. */
  slowest: VariantOutcome[];
  /** Wall times of every variant, ascending. */
  times: number[];
  totalMs: number;
  /** Skipped variants that carried no notice (must be none: users are always told). */
  silentSkips: VariantOutcome[];
}

/** The options the CLI uses by default for one file. */
export const ANALYSIS_OPTIONS: FileAnalysisOptions = { maxFileSizeMB: 10, parseTimeoutMs: 3000 };

/**
 * Tokens inserted at random places: the fragments people type half-way (an open block, a
 * goroutine without its body, a lock without its unlock) and characters that end literals
 * and comments early, which reshape the whole rest of the tree.
 */
export const TOKENS: readonly string[] = [
  '{',
  '}',
  '(',
  ')',
  '[',
  'go func(){',
  'go ',
  'defer ',
  'defer mu.Unlock()',
  'mu.Lock()',
  'mu.RLock()',
  'ctx',
  'context.Background()',
  'ctx, cancel := context.WithCancel(ctx)',
  'for {',
  'for _, v := range ',
  'select {',
  'case <-ctx.Done():',
  ':=',
  '=',
  '<-',
  '"',
  '`',
  "'",
  '/*',
  '*/',
  '//',
  '\0',
  '\uFFFD',
  '\uD800',
  '\n',
  ';',
  'func',
  'return',
  'time.Sleep(time.Second)',
  'wg.Add(1)',
  'sync.Mutex',
  'type T[K comparable, V any] struct{',
];

/** A seed per (run seed, variant index), so a variant does not depend on those before it. */
function variantSeed(seed: number, index: number): number {
  return Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
}

function int(r: () => number, n: number): number {
  return Math.floor(r() * n);
}

function show(token: string): string {
  return JSON.stringify(token.length > 24 ? `${token.slice(0, 24)}…` : token);
}

type Mutation = (text: string, r: () => number) => { text: string; what: string };

function lineRange(lines: readonly string[], r: () => number): [number, number] {
  const start = int(r, lines.length);
  return [start, Math.min(lines.length, start + 1 + int(r, 20))];
}

/** The kinds of damage, each a plausible state of a file being edited or badly merged. */
const MUTATIONS: ReadonlyArray<readonly [string, Mutation]> = [
  [
    'truncate',
    (text, r) => {
      const at = int(r, text.length + 1);
      return { text: text.slice(0, at), what: `truncate at ${at}` };
    },
  ],
  [
    'delete lines',
    (text, r) => {
      const lines = text.split('\n');
      const [a, b] = lineRange(lines, r);
      lines.splice(a, b - a);
      return { text: lines.join('\n'), what: `delete lines ${a + 1}-${b}` };
    },
  ],
  [
    'duplicate lines',
    (text, r) => {
      const lines = text.split('\n');
      const [a, b] = lineRange(lines, r);
      const at = int(r, lines.length + 1);
      lines.splice(at, 0, ...lines.slice(a, b));
      return { text: lines.join('\n'), what: `copy lines ${a + 1}-${b} to ${at + 1}` };
    },
  ],
  [
    'swap lines',
    (text, r) => {
      const lines = text.split('\n');
      const a = int(r, lines.length);
      const b = int(r, lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return { text: lines.join('\n'), what: `swap lines ${a + 1} and ${b + 1}` };
    },
  ],
  [
    'insert token',
    (text, r) => {
      const token = TOKENS[int(r, TOKENS.length)];
      const at = int(r, text.length + 1);
      return { text: text.slice(0, at) + token + text.slice(at), what: `insert ${show(token)} at ${at}` };
    },
  ],
  [
    'insert tokens',
    (text, r) => {
      // Several fragments at once: a paste gone wrong, several unbalanced openers.
      let out = text;
      const parts: string[] = [];
      for (let k = 1 + int(r, 6); k > 0; k--) {
        const token = TOKENS[int(r, TOKENS.length)];
        const at = int(r, out.length + 1);
        out = out.slice(0, at) + token + out.slice(at);
        parts.push(`${show(token)}@${at}`);
      }
      return { text: out, what: `insert ${parts.join(' ')}` };
    },
  ],
  [
    'repeat token',
    (text, r) => {
      // Deep nesting is where recursive tree walks overflow the stack.
      const token = ['{', '(', 'func(){', 'go func(){', 'for {', '[', 'if x {'][int(r, 7)];
      const times = 1 + int(r, 300);
      const at = int(r, text.length + 1);
      return { text: text.slice(0, at) + token.repeat(times) + text.slice(at), what: `insert ${show(token)} x${times} at ${at}` };
    },
  ],
  [
    'corrupt characters',
    (text, r) => {
      // What invalid UTF-8 becomes once decoded (U+FFFD), NULs, and a lone surrogate.
      const chars = text.split('');
      const n = 1 + int(r, 5);
      const bad = ['\uFFFD', '\0', '\uD800', '\u00A0', '\u202E'];
      const at: number[] = [];
      for (let k = 0; k < n && chars.length > 0; k++) {
        const i = int(r, chars.length);
        chars[i] = bad[int(r, bad.length)];
        at.push(i);
      }
      return { text: chars.join(''), what: `corrupt chars at ${at.join(',')}` };
    },
  ],
];

/**
 * The variant `index` of a run with `seed`: a source and one to three mutations of it.
 * `source` replaces the drawn source but keeps the mutations, so a variant reported by one
 * run reproduces from its file even after the source list has changed (files added).
 */
export function makeVariant(sources: readonly FuzzSource[], seed: number, index: number, source?: FuzzSource): Variant {
  const r = prng(variantSeed(seed, index));
  const drawn = sources[int(r, sources.length)];
  source ??= drawn;
  let text = source.text;
  const mutations: string[] = [];
  for (let k = 1 + int(r, 3); k > 0; k--) {
    const [, mutate] = MUTATIONS[int(r, MUTATIONS.length)];
    const m = mutate(text, r);
    text = m.text;
    mutations.push(m.what);
  }
  return { index, source: source.file, mutations, text };
}

function walkGo(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkGo(p, out);
    else if (e.isFile() && e.name.endsWith('.go')) out.push(p);
  }
}

/** Every .go file under `dir`, sorted so the list (and thus every variant) is reproducible. */
export function listGo(dir: string): string[] {
  const out: string[] = [];
  walkGo(dir, out);
  return out.sort();
}

export interface SourceOptions {
  /** GOROOT; its `src` is sampled. Undefined: no standard-library sources. */
  goroot?: string;
  /** How many GOROOT files to sample. */
  sample: number;
  seed: number;
  /**
   * Larger files are left out of the sample: the 200 ms budget is per variant, and the
   * standard library has generated tables of a megabyte whose plain parse alone exceeds it.
   */
  maxBytes: number;
  /** Directories whose every .go file is a source (fixtures, the corpus). */
  dirs: readonly string[];
}

/** Reads the sources: a seeded sample of GOROOT/src plus every .go file of `dirs`. */
export function collectSources(o: SourceOptions): FuzzSource[] {
  const files: string[] = [];
  if (o.goroot) {
    const all = listGo(path.join(o.goroot, 'src')).filter((f) => fs.statSync(f).size <= o.maxBytes);
    const r = prng(o.seed ^ 0x5bd1e995);
    // A partial Fisher-Yates shuffle: the first `sample` entries are a uniform sample.
    for (let i = 0; i < Math.min(o.sample, all.length); i++) {
      const j = i + int(r, all.length - i);
      [all[i], all[j]] = [all[j], all[i]];
    }
    files.push(...all.slice(0, o.sample).sort());
  }
  for (const dir of o.dirs) files.push(...listGo(dir));
  return files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const frame = e.stack?.split('\n').find((l) => l.includes(' at '))?.trim() ?? '';
  return `${e.name}: ${e.message} ${frame}`.trim();
}

/**
 * Runs the variants through analyzeText one by one. Half use a resolver that reads go.mod
 * from disk next to the source, half one that finds no go.mod (GOPATH mode, Go < 1.22), so
 * version-dependent rules run both ways.
 */
export async function runFuzz(sources: readonly FuzzSource[], options: FuzzOptions): Promise<FuzzReport> {
  if (sources.length === 0) throw new Error('no Go sources to fuzz');
  const slowMs = options.slowMs ?? 200;
  let parser = await GoParser.create();
  const withMod = new GoVersionResolver();
  const noMod = new GoVersionResolver(() => undefined);
  for (const s of sources.slice(0, options.warmup ?? 20)) {
    try {
      analyzeText(parser, withMod, s.file, s.text, ANALYSIS_OPTIONS);
    } catch {
      // An unmutated file that throws is counted when a variant of it throws.
    }
  }
  const indexes = options.only !== undefined ? [options.only] : Array.from({ length: options.variants }, (_, i) => i);
  const outcomes: VariantOutcome[] = [];
  const started = performance.now();
  for (const index of indexes) {
    const v = makeVariant(sources, options.seed, index, options.source);
    const base = { index, source: v.source, mutations: v.mutations, bytes: Buffer.byteLength(v.text, 'utf8') };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const cpu = (): number => {
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1000;
    };
    try {
      const result = analyzeText(parser, index % 2 === 0 ? withMod : noMod, v.source, v.text, ANALYSIS_OPTIONS);
      const ms = performance.now() - t0;
      const cpuMs = cpu();
      outcomes.push(
        result.skipped !== undefined
          ? { ...base, status: 'skipped', ms, cpuMs, parseMs: result.parseMs, analyzeMs: result.analyzeMs, findings: 0, notice: result.skipped }
          : { ...base, status: 'analysed', ms, cpuMs, parseMs: result.parseMs, analyzeMs: result.analyzeMs, findings: result.findings.length },
      );
    } catch (e) {
      outcomes.push({ ...base, status: 'exception', ms: performance.now() - t0, cpuMs: cpu(), parseMs: NaN, analyzeMs: NaN, findings: 0, error: describe(e) });
      // A wasm trap may leave the parser unusable; a fresh one keeps later variants honest.
      parser.delete();
      parser = await GoParser.create();
    }
    if (options.onProgress && outcomes.length % 1000 === 0) options.onProgress(outcomes.length, indexes.length);
  }
  const totalMs = performance.now() - started;
  parser.delete();
  const bySlowest = [...outcomes].sort((a, b) => b.ms - a.ms);
  return {
    seed: options.seed,
    sources: sources.length,
    variants: outcomes.length,
    analysed: outcomes.filter((o) => o.status === 'analysed').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    exceptions: outcomes.filter((o) => o.status === 'exception'),
    slow: outcomes.filter((o) => o.ms > slowMs),
    slowCpu: outcomes.filter((o) => o.cpuMs > slowMs),
    slowMs,
    slowest: bySlowest.slice(0, 10),
    times: outcomes.map((o) => o.ms).sort((a, b) => a - b),
    totalMs,
    silentSkips: outcomes.filter((o) => o.status === 'skipped' && !o.notice),
  };
}

function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function fmtMs(n: number): string {
  return `${n.toFixed(n < 10 ? 2 : 1)} ms`;
}

function shortPath(file: string, roots: readonly string[]): string {
  for (const root of roots) if (file.startsWith(root + path.sep)) return path.relative(root, file);
  return file;
}

function aligned(rows: readonly string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

/**
 * The report as text, ending with the two lines CI and people grep for:
 * `EXCEPTIONS: N` and `OVER 200 ms: N` (wall time), then `OVER 200 ms CPU: N`.
 */
export function formatReport(rep: FuzzReport, roots: readonly string[] = []): string {
  const t = rep.times;
  const lines: string[] = [];
  lines.push(
    aligned([
      ['seed', 'sources', 'variants', 'analysed', 'skipped (notice)', 'exceptions', `over ${rep.slowMs} ms`, `over ${rep.slowMs} ms CPU`, 'p50', 'p95', 'p99', 'max', 'total'],
      [
        String(rep.seed),
        String(rep.sources),
        String(rep.variants),
        String(rep.analysed),
        String(rep.skipped),
        String(rep.exceptions.length),
        String(rep.slow.length),
        String(rep.slowCpu.length),
        fmtMs(nearestRank(t, 50)),
        fmtMs(nearestRank(t, 95)),
        fmtMs(nearestRank(t, 99)),
        fmtMs(t[t.length - 1] ?? NaN),
        `${(rep.totalMs / 1000).toFixed(1)} s`,
      ],
    ]),
  );
  const list = (title: string, items: readonly VariantOutcome[], limit: number): void => {
    if (items.length === 0) return;
    lines.push('', title);
    for (const o of items.slice(0, limit)) {
      lines.push(
        `  #${o.index}  ${fmtMs(o.ms)} (CPU ${fmtMs(o.cpuMs)}; parse ${fmtMs(o.parseMs)}, rules ${fmtMs(o.analyzeMs)})  ${o.bytes} B  ${shortPath(o.source, roots)}  [${o.mutations.join('; ')}]` +
          (o.error ? `\n      ${o.error}` : '') +
          (o.notice ? `\n      ${o.notice}` : ''),
      );
    }
    if (items.length > limit) lines.push(`  ... and ${items.length - limit} more`);
  };
  list('exceptions (reproduce with --seed SEED --only INDEX --source FILE):', rep.exceptions, 50);
  list(`over ${rep.slowMs} ms of CPU time:`, rep.slowCpu, 50);
  list(`over ${rep.slowMs} ms of wall time:`, rep.slow, 50);
  list('skipped without a notice:', rep.silentSkips, 20);
  list('slowest:', rep.slowest, 10);
  lines.push('', `EXCEPTIONS: ${rep.exceptions.length}`, `OVER ${rep.slowMs} ms: ${rep.slow.length}`, `OVER ${rep.slowMs} ms CPU: ${rep.slowCpu.length}`);
  return lines.join('\n');
}
