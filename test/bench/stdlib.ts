/**
 * Workspace analysis of the Go standard library ($(go env GOROOT)/src, testdata skipped), all
 * measured in the same run so the ratios compare like with like:
 *   - parse only, 1 thread, in-process (the floor any tree-sitter analysis pays), interleaved
 *     directory by directory with parse + analysis, 1 thread (the cost of the rules on top)
 *   - parse + analysis, AnalysisPool with N threads (what `golab check` and the server do)
 *   - anchor: `gofmt -l` over the same files (Go's own parser and printer), 1 and N procs
 *   - anchor: `go vet -loopclosure -copylocks -lostcancel std cmd` (warm build cache)
 *
 *   node out/test/bench/stdlib.js [--root DIR] [--threads N] [--limit N]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzePackage, analyzeText, type FileAnalysisOptions, type FileResult } from '../../src/core/analysis/file';
import { GoVersionResolver } from '../../src/core/analysis/goVersion';
import { GoParser, ParseTimeoutError } from '../../src/core/analysis/parser';
import type { Finding } from '../../src/core/analysis/types';
import { AnalysisPool, listGoFiles } from '../../src/core/analysis/workspace';
import { CONFIG_DEFAULTS } from '../../src/core/config';
import { distDir, fixtures } from '../support/paths';
import { goRoot, intFlag, machineLine, mb, ms, parseFlags, peakRss, table } from './lib/common';

interface Source {
  file: string;
  text: string;
}

/**
 * Times `go vet -loopclosure -copylocks -lostcancel std cmd` run from GOROOT/src, twice: the
 * first fills the build cache with export data, the second is the comparable figure.
 */
function goVet(src: string): { wallMs: number; coldMs: number; findings: number; failed?: string } {
  const run = () => {
    const t0 = performance.now();
    const r = spawnSync('go', ['vet', '-loopclosure', '-copylocks', '-lostcancel', 'std', 'cmd'], {
      cwd: src,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30 * 60_000,
    });
    const wallMs = performance.now() - t0;
    // vet reports on stderr as file:line:col: message; package headers start with '#'.
    const findings = (r.stderr ?? '').split('\n').filter((l) => /^\S+\.go:\d+:\d+: /.test(l)).length;
    return { wallMs, findings, error: r.error?.message };
  };
  const cold = run();
  if (cold.error) return { wallMs: 0, coldMs: 0, findings: 0, failed: cold.error };
  const warm = run();
  return { wallMs: warm.wallMs, coldMs: cold.wallMs, findings: warm.findings, failed: warm.error };
}

/** Runs `gofmt -l` over `files` in argument-list-sized chunks; returns wall ms and what it printed. */
function gofmt(files: readonly string[], procs: number): { wallMs: number; listed: number; errors: number; failed?: string } {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let length = 0;
  for (const f of files) {
    // Stay well below ARG_MAX; one chunk in practice for the standard library.
    if (length + f.length > 1_000_000) {
      chunks.push(chunk);
      chunk = [];
      length = 0;
    }
    chunk.push(f);
    length += f.length + 1;
  }
  chunks.push(chunk);
  let listed = 0;
  let errors = 0;
  const t0 = performance.now();
  for (const c of chunks) {
    const r = spawnSync('gofmt', ['-l', ...c], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GOMAXPROCS: String(procs) },
    });
    if (r.error) return { wallMs: 0, listed: 0, errors: 0, failed: r.error.message };
    listed += r.stdout.split('\n').filter(Boolean).length;
    errors += r.stderr.split('\n').filter(Boolean).length;
  }
  return { wallMs: performance.now() - t0, listed, errors };
}

/** A tiny real Go file each worker parses once before the timed pass. */
const warmupFile = path.join(fixtures, 'workspace', 'main.go');

/** One pool pass: start-up (every worker has loaded its parser) timed apart from the analysis. */
async function runPool(
  files: readonly string[],
  options: FileAnalysisOptions,
  threads: number,
): Promise<{ startMs: number; wallMs: number; results: FileResult[]; errors: Array<{ file: string; message: string }> }> {
  const t0 = performance.now();
  const pool = new AnalysisPool({ threads, workerScript: path.join(distDir, 'analysisWorker.js') });
  try {
    // One tiny request per thread, concurrently, so each worker has its parser before timing.
    await Promise.all(Array.from({ length: threads }, () => pool.analyzeBatch([warmupFile], options)));
    const startMs = performance.now() - t0;
    const t1 = performance.now();
    const out = await pool.analyzeAll(files, options);
    return { startMs, wallMs: performance.now() - t1, ...out };
  } finally {
    await pool.dispose();
  }
}

function mbPerS(bytes: number, wallMs: number): string {
  return wallMs > 0 ? `${(bytes / 1048576 / (wallMs / 1000)).toFixed(2)} MB/s` : '-';
}

function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}x` : '-';
}

function countLines(text: string): number {
  let n = text.length > 0 ? 1 : 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    root: 'DIR     tree to analyse (default: $(go env GOROOT)/src)',
    threads: 'N  pool threads (default: os.availableParallelism())',
    limit: 'N    only the first N files, for quick runs',
  });
  const root = path.resolve(flags.root ?? path.join(goRoot(), 'src'));
  const threads = intFlag(flags, 'threads', os.availableParallelism());
  let files = listGoFiles([root], ['**/testdata/**'], root);
  if (flags.limit) files = files.slice(0, intFlag(flags, 'limit', files.length));
  const options: FileAnalysisOptions = {
    maxFileSizeMB: CONFIG_DEFAULTS.analysis.maxFileSizeMB,
    parseTimeoutMs: CONFIG_DEFAULTS.analysis.timeoutMs,
  };

  console.log(machineLine());
  const tRead = performance.now();
  const sources: Source[] = files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
  const readMs = performance.now() - tRead;
  const bytes = sources.reduce((n, s) => n + Buffer.byteLength(s.text, 'utf8'), 0);
  const lines = sources.reduce((n, s) => n + countLines(s.text), 0);
  console.log(
    `corpus: ${root} (testdata skipped): ${files.length} files, ${lines} lines, ${mb(bytes)}; ` +
      `read into memory in ${ms(readMs)} (not part of the in-process timings below)\n`,
  );

  const parser = await GoParser.create();
  const resolver = new GoVersionResolver();
  // Warm-up: the first few hundred files pay for JIT compilation of the rules, which a
  // long-running server pays once; it is left out of every measured pass.
  for (const s of sources.slice(0, 200)) analyzeText(parser, resolver, s.file, s.text, options);

  // 1 and 2. Parse only, and parse + analysis, one thread, in-process, a directory at a time
  // (as a pool thread does, so each file's rules know the types its siblings declare). The two
  // are interleaved directory by directory: on a shared machine the speed drifts by 30% over a
  // minute, and two passes run one after the other measured that drift, not the rules.
  const byDir = new Map<string, Source[]>();
  for (const s of sources) byDir.set(path.dirname(s.file), [...(byDir.get(path.dirname(s.file)) ?? []), s]);
  let parseTimeouts = 0;
  let parseOnlyMs = 0;
  let singleMs = 0;
  const single: FileResult[] = [];
  for (const dir of byDir.values()) {
    const t1 = performance.now();
    for (const s of dir) {
      try {
        parser.parse(s.text, null, options.parseTimeoutMs).delete();
      } catch (e) {
        if (!(e instanceof ParseTimeoutError)) throw e;
        parseTimeouts++;
      }
    }
    const t2 = performance.now();
    single.push(...analyzePackage(parser, resolver, dir, options));
    parseOnlyMs += t2 - t1;
    singleMs += performance.now() - t2;
  }
  const singleParseMs = single.reduce((n, r) => n + r.parseMs, 0);
  const singleAnalyzeMs = single.reduce((n, r) => n + r.analyzeMs, 0);
  const rssAfterSingle = peakRss();
  parser.delete();

  // 3. Parse + analysis on the worker pool, reading files from disk as `golab check` does:
  // with one thread (the pool's own overhead) and with N (what parallelism buys).
  const pool1 = await runPool(files, options, 1);
  const multi = threads === 1 ? pool1 : await runPool(files, options, threads);
  const multiMs = multi.wallMs;
  const rssAfterPool = peakRss();

  // 4. Anchor: Go's own parser (and printer) over the same files.
  const gofmt1 = gofmt(files, 1);
  const gofmtN = gofmt(files, threads);
  // 5. Anchor: go vet with the analyzers closest to ours, on the same packages. It type-checks,
  // so it needs compiled export data: a first run fills the build cache, the timed run is warm.
  const vet = flags.root || flags.limit ? undefined : goVet(root);

  const rows: string[][] = [
    ['pass', 'wall', 'throughput', 'vs parse-only 1t', 'vs gofmt -l (1 proc)'],
    ['parse only, 1 thread, in-process', ms(parseOnlyMs), mbPerS(bytes, parseOnlyMs), '1.00x', ratio(parseOnlyMs, gofmt1.wallMs)],
    [
      'parse + analysis, 1 thread, in-process',
      ms(singleMs),
      mbPerS(bytes, singleMs),
      ratio(singleMs, parseOnlyMs),
      ratio(singleMs, gofmt1.wallMs),
    ],
    [
      'parse + analysis, pool of 1 thread (from disk)',
      ms(pool1.wallMs),
      mbPerS(bytes, pool1.wallMs),
      ratio(pool1.wallMs, parseOnlyMs),
      ratio(pool1.wallMs, gofmt1.wallMs),
    ],
    [
      `parse + analysis, pool of ${threads} threads (from disk)`,
      ms(multiMs),
      mbPerS(bytes, multiMs),
      ratio(multiMs, parseOnlyMs),
      ratio(multiMs, gofmt1.wallMs),
    ],
    ['gofmt -l, GOMAXPROCS=1 (from disk)', gofmt1.failed ? `failed: ${gofmt1.failed}` : ms(gofmt1.wallMs), mbPerS(bytes, gofmt1.wallMs), ratio(gofmt1.wallMs, parseOnlyMs), '1.00x'],
    [
      `gofmt -l, GOMAXPROCS=${threads} (from disk)`,
      gofmtN.failed ? `failed: ${gofmtN.failed}` : ms(gofmtN.wallMs),
      mbPerS(bytes, gofmtN.wallMs),
      ratio(gofmtN.wallMs, parseOnlyMs),
      ratio(gofmtN.wallMs, gofmt1.wallMs),
    ],
  ];
  console.log(table(rows));
  console.log(
    `\n  in the 1-thread parse + analysis pass: parse ${ms(singleParseMs)}, rules ${ms(singleAnalyzeMs)} ` +
      `(rules = ${((100 * singleAnalyzeMs) / Math.max(1, singleParseMs)).toFixed(1)}% of parse time)`,
  );
  console.log(`  pool start-up (workers loading the grammar), not included above: ${ms(pool1.startMs)} (1 thread), ${ms(multi.startMs)} (${threads} threads)`);
  console.log(`  gofmt -l listed ${gofmt1.listed} files, ${gofmt1.errors} error lines (GOMAXPROCS=1)`);
  console.log(`  parse timeouts: ${parseTimeouts} (parse-only pass); skipped: ${single.filter((r) => r.skipped).length} (1 thread), ${multi.results.filter((r) => r.skipped).length} (pool); pool errors: ${multi.errors.length}`);
  for (const e of multi.errors) console.log(`    ${e.file}: ${e.message}`);

  console.log('\nratios:');
  console.log(
    table([
      ['ratio', 'value', 'target'],
      ['parse + analysis / parse only (1 thread, in-process)', ratio(singleMs, parseOnlyMs), '<= 1.3x'],
      [`pool ${threads} threads wall / parse only 1 thread wall`, ratio(multiMs, parseOnlyMs), '< 1.0x'],
      [`pool ${threads} threads wall / pool 1 thread wall`, ratio(multiMs, pool1.wallMs), `ideal ${(1 / threads).toFixed(2)}x`],
      ['our parse only / gofmt -l (1 proc)', ratio(parseOnlyMs, gofmt1.wallMs), ''],
      ['our parse + analysis / gofmt -l (1 proc)', ratio(singleMs, gofmt1.wallMs), ''],
      [`our pool ${threads} threads / gofmt -l (${threads} procs)`, ratio(multiMs, gofmtN.wallMs), ''],
      ...(vet?.wallMs ? [[`our pool ${threads} threads / go vet -loopclosure -copylocks -lostcancel (warm cache)`, ratio(multiMs, vet.wallMs), '']] : []),
    ]),
  );
  if (vet) {
    console.log(
      vet.failed
        ? `  go vet: failed: ${vet.failed}`
        : `  go vet -loopclosure -copylocks -lostcancel std cmd: ${ms(vet.wallMs)} warm (first run ${ms(vet.coldMs)}), ${vet.findings} findings`,
    );
  } else console.log('  go vet anchor: only on the whole GOROOT/src (no --root/--limit)');

  console.log(
    `\npeak RSS (process.resourceUsage().maxRSS, a high-water mark; pool workers are threads of this ` +
      `process and count in it; the corpus text held in memory counts too): after the 1-thread passes ` +
      `${rssAfterSingle}, after the pool ${rssAfterPool}`,
  );

  const byCode = new Map<string, Array<{ file: string; finding: Finding }>>();
  for (const r of multi.results) {
    for (const f of r.findings) byCode.set(f.code, [...(byCode.get(f.code) ?? []), { file: r.file, finding: f }]);
  }
  const singleCount = single.reduce((n, r) => n + r.findings.length, 0);
  const multiCount = multi.results.reduce((n, r) => n + r.findings.length, 0);
  console.log(`\nfindings: ${multiCount} (pool), ${singleCount} (1 thread)${singleCount === multiCount ? '' : '  <- MISMATCH'}`);
  for (const [code, list] of [...byCode].sort()) {
    console.log(`  ${code}: ${list.length}`);
    list.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.finding.range.start.line - b.finding.range.start.line));
    for (const { file, finding } of list) {
      const at = finding.range.start;
      console.log(`    ${path.relative(root, file)}:${at.line + 1}:${at.character + 1}: ${finding.message}`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
