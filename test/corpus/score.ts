/**
 * Scores `golab check` against the labelled corpus in this directory: every true bug of the
 * Go modules here is listed in labels.json as {file, line, code}, and a finding counts as a
 * true positive when it sits on a labelled line with the labelled code. The corpus is written
 * from the rule definitions of the issue, not from the rules' code, so the figures say how
 * the rules do on code they were not tuned to.
 *
 * Used by test/unit/corpus/corpus.test.ts (asserts the targets) and by anything that wants
 * to print the figures (benchmarks, a person at a terminal).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { distDir, repoRoot } from '../support/paths';

/** The corpus root: each subdirectory is a Go module with its own go.mod. */
export const corpusDir = path.join(repoRoot, 'test', 'corpus');

/** The three rule families; the family of a code is the part before the slash. */
export const FAMILIES = ['closure', 'context', 'mutex'] as const;
export type Family = (typeof FAMILIES)[number];

/**
 * Every rule code the corpus may label. Written down here, not read from the rule registry,
 * so a rule renamed by mistake shows up as a missing rule instead of silently scoring zero.
 */
export const RULE_CODES: readonly string[] = [
  'closure/loopvar',
  'closure/shared-write',
  'context/background',
  'context/ctx-less-call',
  'context/lost-cancel',
  'context/goroutine-no-ctx',
  'context/sleep-in-loop',
  'mutex/copy',
  'mutex/unlock-missing',
  'mutex/double-lock',
  'mutex/unlock-mismatch',
  'mutex/defer-lock',
  'mutex/unlock-unlocked',
  'mutex/lock-in-loop',
  'mutex/empty-critical-section',
  'mutex/blocking-under-lock',
  'mutex/waitgroup',
];

/** The targets of the issue, per family. */
export const TARGETS = { precision: 0.95, recall: 0.9 } as const;

/** One true bug: `file` is relative to the corpus root with `/` separators, `line` 1-based. */
export interface Label {
  file: string;
  line: number;
  code: string;
}

/** One entry of `golab check --format json` (positions 1-based, `file` relative to the cwd). */
export interface CliFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: string;
  message: string;
}

/** A finding or a label reduced to what matching compares, with the message when there is one. */
export interface Item {
  file: string;
  line: number;
  code: string;
  message?: string;
}

/** Counts and the individual misses for one rule or one family. */
export interface Tally {
  tp: number;
  fp: number;
  fn: number;
  /** TP/(TP+FP); 1 when nothing was reported (no finding can be false). */
  precision: number;
  /** TP/(TP+FN); 1 when nothing is labelled (no bug can be missed). */
  recall: number;
  falsePositives: Item[];
  falseNegatives: Item[];
}

export interface CorpusScore {
  families: Record<Family, Tally>;
  rules: Record<string, Tally>;
  /** Findings whose code is not one of RULE_CODES (a renamed or new rule); they count as FPs of their family. */
  unknownCodes: string[];
  labels: number;
  findings: number;
}

/** Reads labels.json. */
export function loadLabels(dir = corpusDir): Label[] {
  return JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Label[];
}

/**
 * Runs the built CLI over the corpus the way users run it and returns its findings with
 * `file` made relative to the corpus root. Throws on exit code 2 (an error, not a verdict).
 */
export function runCheck(dir = corpusDir, cwd = repoRoot): CliFinding[] {
  const cli = path.join(distDir, 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} not found: run \`node esbuild.js\` first`);
  const r = spawnSync(process.execPath, [cli, 'check', dir, '--format', 'json'], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1) throw new Error(`golab check exited ${r.status}:\n${r.stderr}`);
  const findings = JSON.parse(r.stdout) as CliFinding[];
  return findings.map((f) => ({ ...f, file: relativeTo(dir, path.resolve(cwd, f.file)) }));
}

function relativeTo(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join('/');
}

function familyOf(code: string): Family | undefined {
  const family = code.split('/')[0];
  return (FAMILIES as readonly string[]).includes(family) ? (family as Family) : undefined;
}

function key(i: { file: string; line: number; code: string }): string {
  return `${i.file}:${i.line}:${i.code}`;
}

function emptyTally(): Tally {
  return { tp: 0, fp: 0, fn: 0, precision: 1, recall: 1, falsePositives: [], falseNegatives: [] };
}

function finish(t: Tally): void {
  t.precision = t.tp + t.fp === 0 ? 1 : t.tp / (t.tp + t.fp);
  t.recall = t.tp + t.fn === 0 ? 1 : t.tp / (t.tp + t.fn);
}

/**
 * Matches findings to labels by (file, line, code). The unit is a labelled line: several
 * findings of one code on one line (closure/loopvar reports each use of the variable, and a
 * line may use it twice) count once, as users see one line flagged.
 */
export function score(labels: readonly Label[], findings: readonly Item[]): CorpusScore {
  const rules: Record<string, Tally> = {};
  for (const code of RULE_CODES) rules[code] = emptyTally();
  const families = Object.fromEntries(FAMILIES.map((f) => [f, emptyTally()])) as Record<Family, Tally>;
  const unknownCodes = new Set<string>();
  const labelled = new Set(labels.map(key));
  const reported = new Map<string, Item>();
  for (const f of findings) if (!reported.has(key(f))) reported.set(key(f), f);

  const count = (item: Item, kind: 'tp' | 'fp' | 'fn'): void => {
    if (!RULE_CODES.includes(item.code)) unknownCodes.add(item.code);
    const family = familyOf(item.code);
    const tallies = [(rules[item.code] ??= emptyTally()), ...(family ? [families[family]] : [])];
    for (const t of tallies) {
      t[kind]++;
      if (kind === 'fp') t.falsePositives.push(item);
      if (kind === 'fn') t.falseNegatives.push(item);
    }
  };
  for (const [k, item] of reported) count(item, labelled.has(k) ? 'tp' : 'fp');
  for (const l of labels) if (!reported.has(key(l))) count(l, 'fn');
  for (const t of [...Object.values(rules), ...Object.values(families)]) finish(t);
  return { families, rules, unknownCodes: [...unknownCodes], labels: labels.length, findings: findings.length };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function row(name: string, t: Tally): string[] {
  return [name, String(t.tp), String(t.fp), String(t.fn), t.tp + t.fp === 0 ? 'n/a' : pct(t.precision), t.tp + t.fn === 0 ? 'n/a' : pct(t.recall)];
}

function aligned(rows: readonly string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/** The score as text: a table per family and per rule, then every FP and FN with its place. */
export function formatScore(s: CorpusScore): string {
  const header = ['', 'TP', 'FP', 'FN', 'precision', 'recall'];
  const lines: string[] = [];
  lines.push(`corpus: ${s.labels} labelled bugs, ${s.findings} findings`);
  lines.push('');
  lines.push(aligned([header, ...FAMILIES.map((f) => row(f, s.families[f]))]));
  lines.push('');
  lines.push(aligned([header, ...Object.keys(s.rules).sort().map((code) => row(code, s.rules[code]))]));
  if (s.unknownCodes.length > 0) lines.push(`\ncodes not in the corpus's rule list: ${s.unknownCodes.join(', ')}`);
  const misses: string[] = [];
  for (const code of Object.keys(s.rules).sort()) {
    for (const fp of s.rules[code].falsePositives) misses.push(`  FP ${fp.file}:${fp.line} ${code}${fp.message ? ` — ${fp.message}` : ''}`);
    for (const fn of s.rules[code].falseNegatives) misses.push(`  FN ${fn.file}:${fn.line} ${code}`);
  }
  if (misses.length > 0) lines.push('', 'misses:', ...misses);
  return lines.join('\n');
}

/** Families below the targets, with the reason, for assertions and a runner's exit code. */
export function belowTargets(s: CorpusScore): string[] {
  const out: string[] = [];
  for (const f of FAMILIES) {
    const t = s.families[f];
    if (t.precision < TARGETS.precision) out.push(`${f}: precision ${pct(t.precision)} < ${pct(TARGETS.precision)}`);
    if (t.recall < TARGETS.recall) out.push(`${f}: recall ${pct(t.recall)} < ${pct(TARGETS.recall)}`);
  }
  return out;
}
