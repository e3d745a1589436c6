/**
 * Fuzz round: mutated and truncated variants of real Go files (a seeded sample of GOROOT/src,
 * the analysis fixtures and the labelled corpus) through analyzeText, in-process. Prints a
 * table, the exceptions and the variants over the budget with the seed and index that
 * reproduce them, then `EXCEPTIONS: N` and `OVER 200 ms: N`.
 *
 *   node out/test/bench/fuzz.js [--n 10000] [--seed 1] [--sample 300] [--max-bytes 131072]
 *                               [--slow 200] [--only INDEX --source FILE] [--root GOROOT]
 *
 * Like every benchmark it measures and exits 0; the unit suite runs a short round that fails
 * on exceptions (test/unit/fuzz/fuzz.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../support/paths';
import { collectSources, formatReport, type FuzzSource, runFuzz } from '../fuzz/fuzz';
import { goRoot, intFlag, machineLine, parseFlags } from './lib/common';

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    n: 'N           variants (default 10000)',
    seed: 'S        seed of the sample and of the mutations (default 1)',
    sample: 'N      GOROOT files sampled (default 300)',
    'max-bytes': 'B  largest GOROOT file sampled (default 131072)',
    slow: 'MS       per-variant budget reported as a hang (default 200)',
    only: 'INDEX    run one variant (reproduce a report)',
    source: 'FILE   with --only: the file of that variant (as reported, or absolute)',
    root: 'DIR      GOROOT (default: go env GOROOT)',
  });
  const seed = flags.seed !== undefined ? Number(flags.seed) : 1;
  if (!Number.isInteger(seed)) throw new Error(`--seed wants an integer, got "${flags.seed}"`);
  const goroot = flags.root ?? goRoot();
  const dirs = [path.join(repoRoot, 'test', 'fixtures', 'analysis'), path.join(repoRoot, 'test', 'corpus')];
  const sources = collectSources({
    goroot,
    sample: intFlag(flags, 'sample', 300),
    seed,
    maxBytes: intFlag(flags, 'max-bytes', 131072),
    dirs,
  });
  const n = intFlag(flags, 'n', 10000);
  console.log(machineLine());
  console.log(`fuzz: ${n} variants of ${sources.length} Go files (GOROOT ${goroot}, fixtures, corpus), seed ${seed}\n`);
  let source: FuzzSource | undefined;
  if (flags.source !== undefined) {
    // Reported paths are relative to GOROOT/src or to the repository.
    const file = [flags.source, path.join(goroot, 'src', flags.source), path.join(repoRoot, flags.source)].find((f) => path.isAbsolute(f) && fs.existsSync(f));
    if (!file) throw new Error(`--source ${flags.source}: not found under GOROOT/src or the repository`);
    source = { file, text: fs.readFileSync(file, 'utf8') };
  }
  const report = await runFuzz(sources, {
    variants: n,
    seed,
    slowMs: intFlag(flags, 'slow', 200),
    only: flags.only !== undefined ? Number(flags.only) : undefined,
    source,
    onProgress: (done, total) => process.stderr.write(`  ${done}/${total}\n`),
  });
  console.log(formatReport(report, [path.join(goroot, 'src'), repoRoot]));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
