/**
 * Robustness: parses and analyses every .go file under GOROOT (testdata and GOROOT/test
 * included, where deliberately broken Go lives) in-process, one by one with the parse timeout,
 * then a set of synthetic worst cases. Counts crashes (exceptions), timeouts and files with
 * syntax errors (expected: the tree is error-tolerant), and lists the slowest files.
 *
 *   node out/test/bench/robustness.js [--root DIR] [--limit N] [--timeout MS]
 *
 * Exits 0 even with crashes (it measures, it does not judge), but prints `CRASHES: N` last.
 */
import * as fs from 'fs';
import { analyzeTree } from '../../src/core/analysis/analyze';
import { GoVersionResolver } from '../../src/core/analysis/goVersion';
import { GoParser, ParseTimeoutError } from '../../src/core/analysis/parser';
import { listGoFiles } from '../../src/core/analysis/workspace';
import { CONFIG_DEFAULTS } from '../../src/core/config';
import { goRoot, intFlag, machineLine, mb, ms, parseFlags, peakRss, table } from './lib/common';
import { syntheticInputs } from './lib/synthetic';

type Kind = 'ok' | 'syntax errors' | 'timeout' | 'crash';

interface Outcome {
  kind: Kind;
  parseMs: number;
  analyzeMs: number;
  findings: number;
  error?: string;
}

/** Parses and analyses one text the way analyzeText does, but keeps the tree's error flag. */
function runOne(parser: GoParser, resolver: GoVersionResolver, file: string, text: string, timeoutMs: number): Outcome {
  const t0 = performance.now();
  let tree;
  try {
    tree = parser.parse(text, null, timeoutMs);
  } catch (e) {
    const parseMs = performance.now() - t0;
    if (e instanceof ParseTimeoutError) return { kind: 'timeout', parseMs, analyzeMs: 0, findings: 0 };
    return { kind: 'crash', parseMs, analyzeMs: 0, findings: 0, error: `parse: ${describe(e)}` };
  }
  const t1 = performance.now();
  try {
    const findings = analyzeTree(tree, text, { version: resolver.resolve(file, text) });
    const analyzeMs = performance.now() - t1;
    return { kind: tree.rootNode.hasError ? 'syntax errors' : 'ok', parseMs: t1 - t0, analyzeMs, findings: findings.length };
  } catch (e) {
    return { kind: 'crash', parseMs: t1 - t0, analyzeMs: performance.now() - t1, findings: 0, error: `analysis: ${describe(e)}` };
  } finally {
    tree.delete();
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const frame = e.stack?.split('\n').find((l) => l.includes(' at '))?.trim() ?? '';
  return `${e.name}: ${e.message} ${frame}`.trim();
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    root: 'DIR    tree to walk (default: go env GOROOT)',
    limit: 'N     only the first N files',
    timeout: 'MS  parse timeout (default: golab.analysis.timeoutMs)',
  });
  const root = flags.root ?? goRoot();
  const timeoutMs = intFlag(flags, 'timeout', CONFIG_DEFAULTS.analysis.timeoutMs);
  let files = listGoFiles([root], [], root);
  if (flags.limit) files = files.slice(0, intFlag(flags, 'limit', files.length));

  console.log(machineLine());
  console.log(`robustness: every .go file under ${root} (testdata included), parse timeout ${timeoutMs} ms\n`);

  let parser = await GoParser.create();
  const resolver = new GoVersionResolver();
  const counts: Record<Kind, number> = { ok: 0, 'syntax errors': 0, timeout: 0, crash: 0 };
  const problems: Array<{ file: string; outcome: Outcome }> = [];
  const timings: Array<{ file: string; bytes: number; outcome: Outcome }> = [];
  let bytes = 0;
  let findings = 0;
  let readErrors = 0;
  const started = performance.now();
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      readErrors++;
      console.log(`  cannot read ${file}: ${(e as Error).message}`);
      continue;
    }
    const size = Buffer.byteLength(text, 'utf8');
    bytes += size;
    const outcome = runOne(parser, resolver, file, text, timeoutMs);
    counts[outcome.kind]++;
    findings += outcome.findings;
    timings.push({ file, bytes: size, outcome });
    if (outcome.kind === 'timeout' || outcome.kind === 'crash') problems.push({ file, outcome });
    if (outcome.kind === 'crash') {
      // A wasm trap may leave the parser unusable; a fresh one keeps the count per file honest.
      parser.delete();
      parser = await GoParser.create();
    }
  }
  const elapsed = performance.now() - started;

  console.log(
    table([
      ['files', 'size', 'ok', 'with syntax errors', 'timeouts', 'crashes', 'unreadable', 'findings', 'time'],
      [
        String(files.length),
        mb(bytes),
        String(counts.ok),
        String(counts['syntax errors']),
        String(counts.timeout),
        String(counts.crash),
        String(readErrors),
        String(findings),
        ms(elapsed),
      ],
    ]),
  );
  if (problems.length > 0) {
    console.log('\ntimeouts and crashes:');
    for (const p of problems) console.log(`  ${p.outcome.kind}: ${p.file}${p.outcome.error ? `: ${p.outcome.error}` : ''}`);
  }

  const slowest = [...timings]
    .sort((a, b) => b.outcome.parseMs + b.outcome.analyzeMs - (a.outcome.parseMs + a.outcome.analyzeMs))
    .slice(0, 10);
  console.log('\nslowest files (parse + analysis):');
  console.log(
    table([
      ['file', 'size', 'parse', 'analysis', 'outcome'],
      ...slowest.map((t) => [
        t.file.startsWith(root) ? t.file.slice(root.length + 1) : t.file,
        mb(t.bytes),
        ms(t.outcome.parseMs),
        ms(t.outcome.analyzeMs),
        t.outcome.kind,
      ]),
    ]),
  );

  console.log('\nsynthetic inputs:');
  const rows: string[][] = [['input', 'size', 'outcome', 'parse', 'analysis', 'findings', 'expected']];
  let syntheticCrashes = 0;
  for (const input of syntheticInputs()) {
    // A path outside any module: Go 1.16 semantics, so loop-variable bugs are reported.
    const outcome = runOne(parser, new GoVersionResolver(() => undefined), '/synthetic/input.go', input.text, timeoutMs);
    if (outcome.kind === 'crash') {
      syntheticCrashes++;
      parser.delete();
      parser = await GoParser.create();
    }
    rows.push([
      input.name,
      mb(Buffer.byteLength(input.text, 'utf8')),
      outcome.kind + (outcome.error ? ` (${outcome.error})` : ''),
      ms(outcome.parseMs),
      ms(outcome.analyzeMs),
      String(outcome.findings),
      input.loopvarBugs === undefined ? '-' : String(input.loopvarBugs),
    ]);
  }
  console.log(table(rows));
  console.log(`\npeak RSS ${peakRss()}`);
  console.log(`\nCRASHES: ${counts.crash + syntheticCrashes} (GOROOT ${counts.crash}, synthetic ${syntheticCrashes})`);
  parser.delete();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
