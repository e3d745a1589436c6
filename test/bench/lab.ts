/**
 * The lab's cost next to running on the host, on the real dockerd:
 *   - the cold build of the `local` base image and the lab image (or "cached", with the figure
 *     stored on the base image when it was made)
 *   - container start overhead: `true` in the lab (create, attach, start, wait, remove) vs
 *     `true` spawned on the host
 *   - `go test -race -count=1` of a fixture package on the host and in the lab, warm caches,
 *     runs interleaved host/lab so the machine's drift falls on both alike; medians and the
 *     ratio lab/host (target <= 1.25x)
 *
 *   node out/test/bench/lab.js [--runs N] [--starts N] [--pkg DIR]
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { connectDocker } from '../../src/core/lab/docker';
import { ensureLabImage, ensureLocalBaseImage } from '../../src/core/lab/image';
import { runInLab } from '../../src/core/lab/runner';
import type { LabLimits } from '../../src/core/lab/types';
import { fixtures, repoRoot } from '../support/paths';
import { intFlag, machineLine, median, ms, parseFlags, table } from './lib/common';


function hostRun(cmd: string, args: string[], cwd: string): { ms: number; code: number | null } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { ms: performance.now() - t0, code: r.status };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    runs: 'N   go test runs per side (default 3)',
    starts: 'N   `true` runs per side (default 5)',
    pkg: 'DIR Go package to test (default test/fixtures/lab/busy)',
  });
  const runs = intFlag(flags, 'runs', 3);
  const starts = intFlag(flags, 'starts', 5);
  const pkg = path.resolve(flags.pkg ?? path.join(fixtures, 'lab', 'busy'));
  const labDir = path.join(repoRoot, 'lab');
  console.log(machineLine());

  const conn = await connectDocker();
  console.log(`docker: ${conn.endpoint.host} (${conn.endpoint.source})\n`);

  // --- image -------------------------------------------------------------------------------
  const t0 = performance.now();
  const base = await ensureLocalBaseImage(conn.docker, { labDir });
  const baseMs = performance.now() - t0;
  if (base.built) console.log(`local base image ${base.tag}: built cold in ${ms(baseMs)} (rootfs: debootstrap + Go copy ${ms(base.rootfsMs ?? NaN)}, then import)`);
  else
    console.log(
      `local base image ${base.tag}: cached` +
        (base.rootfsMs !== undefined ? ` (its rootfs, debootstrap + Go copy, took ${ms(base.rootfsMs)} when it was made; the import adds ~10 s)` : ' (no stored build time)'),
    );
  const t1 = performance.now();
  const image = await ensureLabImage(conn.docker, { baseImage: base.tag, labDir });
  console.log(`lab image ${image}: ${ms(performance.now() - t1)} (build or cache check)\n`);

  const limits: LabLimits = { memoryBytes: 4096 * 1024 * 1024, cpus: 0, pids: 0 };

  // --- start overhead ----------------------------------------------------------------------
  const hostTrue: number[] = [];
  const labTrue: number[] = [];
  const labTrueInside: number[] = [];
  for (let i = 0; i < starts; i++) {
    hostTrue.push(hostRun('true', [], pkg).ms);
    const s = performance.now();
    const r = await runInLab(conn.docker, image, { cmd: ['true'], workspace: pkg, limits });
    labTrue.push(performance.now() - s);
    labTrueInside.push(r.durationMs);
  }
  console.log(`container start overhead (\`true\`, ${starts} runs each, interleaved, medians):`);
  console.log(
    table([
      ['where', 'median', 'min', 'max'],
      ['host (spawn)', ms(median(hostTrue)), ms(Math.min(...hostTrue)), ms(Math.max(...hostTrue))],
      ['lab, whole runInLab (create..remove)', ms(median(labTrue)), ms(Math.min(...labTrue)), ms(Math.max(...labTrue))],
      ['lab, start..exit only', ms(median(labTrueInside)), ms(Math.min(...labTrueInside)), ms(Math.max(...labTrueInside))],
    ]),
  );

  // --- go test -race -----------------------------------------------------------------------
  const args = ['test', '-race', '-count=1', '.'];
  const lab = () => runInLab(conn.docker, image, { cmd: ['go', ...args], workspace: pkg, limits });
  // Warm-up: fills the host's build cache and the lab's golab-gocache volume.
  const warmHost = hostRun('go', args, pkg);
  const warmLab = await lab();
  console.log(`\ngo test -race -count=1 ${path.relative(repoRoot, pkg) || pkg} (warm-up: host ${ms(warmHost.ms)}, lab ${ms(warmLab.durationMs)}; exit codes ${warmHost.code}/${warmLab.exitCode})`);
  const host: number[] = [];
  const inLab: number[] = [];
  const inLabWhole: number[] = [];
  for (let i = 0; i < runs; i++) {
    host.push(hostRun('go', args, pkg).ms);
    const s = performance.now();
    const r = await lab();
    inLabWhole.push(performance.now() - s);
    inLab.push(r.durationMs);
  }
  const ratio = median(inLabWhole) / median(host);
  console.log(
    table([
      ['where', 'median', 'runs'],
      ['host', ms(median(host)), host.map((x) => ms(x)).join(', ')],
      ['lab, whole runInLab', ms(median(inLabWhole)), inLabWhole.map((x) => ms(x)).join(', ')],
      ['lab, start..exit only', ms(median(inLab)), inLab.map((x) => ms(x)).join(', ')],
    ]),
  );
  console.log(`ratio lab/host (whole run): ${ratio.toFixed(2)}x (target <= 1.25x); start..exit only: ${(median(inLab) / median(host)).toFixed(2)}x`);
  console.log(`(${os.availableParallelism()} CPUs; lab without CPU limit, 4 GiB memory limit)`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
