/**
 * pprof decoding + flame model on real Go heap profiles of about 0.5, 10 and 50 MB, next to
 * `go tool pprof -top` and `-raw` on the same files. Prints figures, never fails on time.
 *
 *   node out/test/bench/pprof.js [--runs N] [--our-runs N] [--sizes 0.5,10,50] [--shape shared|unique|both]
 *
 * The profiles come from a generated Go program with very many distinct call stacks (run with
 * MemProfileRate=1, so every stack is a sample), cached under os.tmpdir() so reruns are fast.
 * Two shapes: `shared`, stacks with a common outer chain that branch near the leaves (what a
 * server's profile looks like), and `unique`, stacks that branch right below the root, so the
 * flame tree has a node for nearly every frame of every sample (the worst case for any tool).
 * Each measurement runs in a child process, so its peak RSS is its own. Ours decodes as the
 * extension and the CLI do (decodeProfileAsync: the file read while zlib inflates it on
 * another thread), so "ours decode" is the time until the profile is decoded, and models
 * as they do (buildFlameProfileAsync: the tree's arrays faulted in on another thread while
 * it is walked).
 *
 * Our decoder reads Samples by hand rather than with the pprof-format library (the issue asks
 * for the library unless a benchmark shows it is the bottleneck): a second table puts the
 * library's decode of the same file (gunzip + Profile.decode, which builds an object per
 * sample, location and label) next to ours, from the same runs.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Profile as PbProfile } from 'pprof-format';
import * as zlib from 'zlib';
import { decodeProfileAsync, stackLocations } from '../../src/core/pprof/decode';
import { buildFlameProfileAsync } from '../../src/core/pprof/model';
import { intFlag, machineLine, mb, ms, parseFlags, table } from './lib/common';

type Shape = 'shared' | 'unique';

const K = 16;
/** Branching levels: K^6 distinct stacks, more than any size here needs. */
const BRANCH = 6;
/** Depth of the common outer chain of the `shared` shape. */
const CHAIN = 14;

/** Go source of the generator: K functions that pick their callee from the digits of x. */
function generatorSource(): string {
  const out = ['package main', '', 'import (', '\t"flag"', '\t"os"', '\t"runtime"', '\t"runtime/pprof"', ')', '', 'var sink []byte', ''];
  for (let i = 0; i < K; i++) {
    out.push('//go:noinline', `func f${i}(d int, x uint64) {`, '\tif d == 0 {', '\t\tsink = make([]byte, 16+x%48)', '\t\treturn', '\t}', `\tswitch x % ${K} {`);
    for (let j = 0; j < K; j++) out.push(`\tcase ${j}:`, `\t\tf${j}(d-1, x/${K})`);
    out.push('\t}', '}', '');
  }
  // The common chain: CHAIN frames through K functions in a fixed order, then the branching.
  for (let i = 0; i < K; i++) {
    out.push('//go:noinline', `func c${i}(d int, x uint64) {`, '\tif d == 0 {', `\t\tf0(${BRANCH}, x)`, '\t\treturn', '\t}', `\tc${(i + 1) % K}(d-1, x)`, '}', '');
  }
  out.push(
    'func main() {',
    '\tn := flag.Int("n", 1000, "distinct stacks")',
    '\tshape := flag.String("shape", "shared", "shared or unique")',
    '\to := flag.String("o", "heap.pb.gz", "output")',
    '\tflag.Parse()',
    '\truntime.MemProfileRate = 1',
    '\tfor i := 0; i < *n; i++ {',
    // Scrambled digits (a bijection modulo 2^24, so stacks stay distinct): sequential ones
    // would make neighbouring samples alike and gzip would shrink the file unrealistically.
    '\t\tx := uint64(i) * 0x9E3779B97F4A7C15',
    '\t\tif *shape == "shared" {',
    `\t\t\tc0(${CHAIN}, x)`,
    '\t\t} else {',
    '\t\t\tf0(12+int(x>>60), x)',
    '\t\t}',
    '\t}',
    '\tf, err := os.Create(*o)',
    '\tif err != nil {',
    '\t\tpanic(err)',
    '\t}',
    '\tif err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {',
    '\t\tpanic(err)',
    '\t}',
    '\tif err := f.Close(); err != nil {',
    '\t\tpanic(err)',
    '\t}',
    '}',
    '',
  );
  return out.join('\n');
}

const cacheDir = path.join(os.tmpdir(), 'golab-bench-pprof');

function goCommand(): string {
  for (const c of [process.env.GO, 'go', '/usr/local/go/bin/go']) {
    if (!c) continue;
    try {
      execFileSync(c, ['version'], { stdio: 'ignore' });
      return c;
    } catch {
      // next
    }
  }
  throw new Error('Go not found: install Go and put it on PATH, or set GO=/path/to/go');
}

function generatorBinary(go: string): string {
  const src = generatorSource();
  const dir = path.join(cacheDir, 'gen');
  fs.mkdirSync(dir, { recursive: true });
  const main = path.join(dir, 'main.go');
  const bin = path.join(dir, 'gen');
  if (!fs.existsSync(bin) || !fs.existsSync(main) || fs.readFileSync(main, 'utf8') !== src) {
    fs.writeFileSync(main, src);
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module gen\n\ngo 1.22\n');
    execFileSync(go, ['build', '-o', bin, '.'], { cwd: dir, stdio: 'inherit' });
  }
  return bin;
}

/** A profile of about `targetMB`, from a cached calibration of bytes per stack. */
function profileOf(bin: string, shape: Shape, targetMB: number): string {
  const file = path.join(cacheDir, `${shape}-${targetMB}MB.pb.gz`);
  if (fs.existsSync(file)) return file;
  const calib = path.join(cacheDir, `${shape}-calibration.pb.gz`);
  const calibN = 50_000;
  if (!fs.existsSync(calib)) {
    execFileSync(bin, ['-n', String(calibN), '-shape', shape, '-o', `${calib}.tmp`]);
    fs.renameSync(`${calib}.tmp`, calib);
  }
  const perStack = fs.statSync(calib).size / calibN;
  const n = Math.max(1000, Math.round((targetMB * 1048576) / perStack));
  process.stdout.write(`generating ${path.basename(file)} (${n} stacks)... `);
  const t0 = performance.now();
  // Written aside and renamed: an interrupted run must not leave a truncated file in the cache.
  execFileSync(bin, ['-n', String(n), '-shape', shape, '-o', `${file}.tmp`]);
  fs.renameSync(`${file}.tmp`, file);
  console.log(ms(performance.now() - t0));
  return file;
}

interface Measure {
  decodeMs: number;
  modelMs: number;
  /** CPU time (user + system) of decode + model: less sensitive than wall time to other work on the machine. */
  cpuMs: number;
  maxRssBytes: number;
  samples: number;
  frames: number;
  nodes: number;
}

/**
 * Child mode: decode + build one file, print the figures as JSON. The decoding is the one the
 * extension and the CLI use, reading the profile while zlib inflates it on another thread.
 */
async function child(file: string): Promise<void> {
  const bytes = fs.readFileSync(file);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const p = await decodeProfileAsync(bytes);
  const t1 = performance.now();
  const flame = await buildFlameProfileAsync(p, path.basename(file));
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  const m: Measure = {
    decodeMs: t1 - t0,
    modelMs: t2 - t1,
    cpuMs: (c1.user + c1.system) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    samples: p.sampleCount,
    // Not p.sampleLocs: that would widen the compact array, adding to the peak RSS measured.
    frames: stackLocations(p).length,
    nodes: flame.tree.func.length,
  };
  console.log(JSON.stringify(m));
}

/** Child mode: the pprof-format library's decode of one file (gunzip included, as in ours). */
function childLibrary(file: string): void {
  const bytes = fs.readFileSync(file);
  const t0 = performance.now();
  const p = PbProfile.decode(zlib.gunzipSync(bytes));
  const t1 = performance.now();
  console.log(JSON.stringify({ decodeMs: t1 - t0, samples: p.sample.length, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

function library(file: string): { decodeMs: number; maxRssBytes: number } {
  const out = execFileSync(process.execPath, ['--max-old-space-size=8192', __filename, '--child-library', file], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { decodeMs: number; maxRssBytes: number };
}

function ours(file: string): Measure {
  const out = execFileSync(process.execPath, ['--max-old-space-size=8192', __filename, '--child', file], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Measure;
}

const hasTime = fs.existsSync('/usr/bin/time');

/** Wall time and peak RSS of a command (RSS through /usr/bin/time when present). */
function external(cmd: string, args: string[]): { ms: number; maxRssBytes: number } {
  const argv = hasTime ? ['/usr/bin/time', '-f', 'GOLAB_MAXRSS_KB=%M', cmd, ...args] : [cmd, ...args];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /GOLAB_MAXRSS_KB=(\d+)/.exec(r.stderr);
  return { ms: elapsed, maxRssBytes: m ? Number(m[1]) * 1024 : NaN };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    void child(argv[1]);
    return;
  }
  if (argv[0] === '--child-library') return childLibrary(argv[1]);
  const flags = parseFlags(argv, {
    runs: 'N runs of go tool pprof (default 3)',
    'our-runs': 'N runs of ours (default 3 per pprof run: ours takes a second, the noise of this machine a third of it)',
    sizes: 'MB list (default 0.5,10,50)',
    shape: 'shared|unique|both (default both: shared at every size, unique at 10 MB)',
  });
  const runs = intFlag(flags, 'runs', 3);
  const ourRuns = intFlag(flags, 'our-runs', 3 * runs);
  const sizes = (flags.sizes ?? '0.5,10,50').split(',').map(Number);
  const shapeFlag = flags.shape ?? 'both';
  console.log(machineLine());
  const go = goCommand();
  console.log(`go: ${execFileSync(go, ['version'], { encoding: 'utf8' }).trim()}; cache: ${cacheDir}`);
  const bin = generatorBinary(go);
  const cases: [Shape, number][] = [];
  for (const s of sizes) if (shapeFlag !== 'unique') cases.push(['shared', s]);
  if (shapeFlag === 'unique') for (const s of sizes) cases.push(['unique', s]);
  if (shapeFlag === 'both') cases.push(['unique', 10]);
  const files = cases.map(([shape, size]) => ({ shape, size, file: profileOf(bin, shape, size) }));

  const rows: string[][] = [['profile', 'file', 'samples', 'frames', 'nodes', 'ours decode', 'ours model', 'ours total', 'total min-max', 'ours CPU', 'ours RSS', 'pprof -top', 'RSS', 'pprof -raw', 'RSS', '-top/ours', '-raw/ours']];
  const libRows: string[][] = [['profile', 'pprof-format decode', 'RSS', 'ours decode', 'RSS (decode + model)', 'pprof-format/ours']];
  for (const { shape, size, file } of files) {
    const mine: Measure[] = [];
    const lib: { decodeMs: number; maxRssBytes: number }[] = [];
    const top: { ms: number; maxRssBytes: number }[] = [];
    const raw: { ms: number; maxRssBytes: number }[] = [];
    // Interleaved, so drift of the machine's load falls on all three alike. pprof takes
    // minutes and gigabytes on the largest files: one run there.
    const n = fs.statSync(file).size > 20 * 1048576 ? 1 : runs;
    const m0 = n === runs ? ourRuns : Math.max(1, Math.round(ourRuns / runs));
    for (let r = 0; r < n; r++) {
      // Ours a few times per round (a share of the m0 runs), next to each pprof run.
      for (let k = Math.floor((r * m0) / n); k < Math.floor(((r + 1) * m0) / n); k++) mine.push(ours(file));
      lib.push(library(file));
      top.push(external(go, ['tool', 'pprof', '-top', file]));
      raw.push(external(go, ['tool', 'pprof', '-raw', file]));
    }
    const m = mine[0];
    const dec = median(mine.map((x) => x.decodeMs));
    const mod = median(mine.map((x) => x.modelMs));
    const tot = median(mine.map((x) => x.decodeMs + x.modelMs));
    const topMs = median(top.map((x) => x.ms));
    const rawMs = median(raw.map((x) => x.ms));
    rows.push([
      `${shape} ${size} MB`,
      mb(fs.statSync(file).size),
      String(m.samples),
      String(m.frames),
      String(m.nodes),
      ms(dec),
      ms(mod),
      ms(tot),
      `${ms(Math.min(...mine.map((x) => x.decodeMs + x.modelMs)))}-${ms(Math.max(...mine.map((x) => x.decodeMs + x.modelMs)))}`,
      ms(median(mine.map((x) => x.cpuMs))),
      mb(Math.max(...mine.map((x) => x.maxRssBytes))),
      ms(topMs),
      hasTime ? mb(Math.max(...top.map((x) => x.maxRssBytes))) : 'n/a',
      ms(rawMs),
      hasTime ? mb(Math.max(...raw.map((x) => x.maxRssBytes))) : 'n/a',
      `${(topMs / tot).toFixed(1)}x`,
      `${(rawMs / tot).toFixed(1)}x`,
    ]);
    const libMs = median(lib.map((x) => x.decodeMs));
    libRows.push([`${shape} ${size} MB`, ms(libMs), mb(Math.max(...lib.map((x) => x.maxRssBytes))), ms(dec), mb(Math.max(...mine.map((x) => x.maxRssBytes))), `${(libMs / dec).toFixed(1)}x`]);
  }
  console.log(`\nmedians of ${ourRuns} runs of ours and ${runs} of pprof (${Math.max(1, Math.round(ourRuns / runs))} and 1 above 20 MB), each in a fresh process (ours: node, cold JIT; pprof: go tool pprof, which also formats and prints)`);
  console.log(table(rows));
  console.log('frames = location entries over all samples (before inlined expansion); nodes = flame tree nodes');
  console.log('target: a 10 MB profile decoded and modelled in under 1 s, faster than go tool pprof -top');
  console.log(`\ndecode alone, ours next to the pprof-format library on the same files (medians of the same runs, fresh processes)`);
  console.log(table(libRows));
}

main();
