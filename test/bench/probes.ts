/**
 * Cost of a probed call: the workload's spin() loop (test/fixtures/probes/workload) timed by the
 * program itself, unprobed and with golab's uprobes (entry + each RET) from both engines (bpftrace
 * and tracefs uprobe events), interleaved in the same run so machine drift falls on all; then
 * `dlv trace` (ptrace breakpoints) on the same function with fewer calls. Needs root and Go; prints figures, never fails on time.
 *
 *   node out/test/bench/probes.js [--calls N] [--runs R] [--dlv-calls M]
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ProbeEngine } from '../../src/core/probes/session';
import { startProbes } from '../../src/core/probes/start';
import { fixtures } from '../support/paths';
import { intFlag, machineLine, parseFlags, table } from './lib/common';

/** The workload's own timing line: `spin: N calls in T ns`. */
function spinNs(text: string): number {
  const m = /spin: (\d+) calls in (\d+) ns/.exec(text);
  if (!m) throw new Error(`no spin timing in the workload's output:\n${text.slice(-2000)}`);
  return Number(m[2]);
}

function run(bin: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('exit', () => resolve(out));
  });
}

async function probed(bin: string, calls: number, engine: ProbeEngine): Promise<{ ns: number; counted: number; timed: number; lost: number }> {
  let out = '';
  const session = await startProbes({ engine, binary: bin, args: ['-n', '0', '-spins', String(calls)], patterns: ['main.spin'], onOutput: (t) => (out += t) });
  await session.ended;
  const r = await session.stop();
  return { ns: spinNs(out), counted: r.functions[0].calls, timed: r.functions[0].measured, lost: r.lost };
}

/** Delve on PATH or in GOPATH/bin. */
function findDlv(): string | undefined {
  const gopath = spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).stdout.trim();
  for (const c of [...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'dlv')), path.join(gopath, 'bin', 'dlv')]) {
    if (c && fs.existsSync(c)) return c;
  }
  return undefined;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { calls: 'N (default 1000000)', runs: 'R (default 5)', 'dlv-calls': 'M (default 2000)' });
  const calls = intFlag(flags, 'calls', 1_000_000);
  const runs = intFlag(flags, 'runs', 5);
  const dlvCalls = intFlag(flags, 'dlv-calls', 2000);
  console.log(machineLine());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-probe-bench-'));
  const bin = path.join(dir, 'workload');
  const b = spawnSync('go', ['build', '-gcflags=all=-l', '-o', bin, '.'], { cwd: path.join(fixtures, 'probes', 'workload'), encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`go build failed:\n${b.stderr}`);

  const engines: ProbeEngine[] = ['bpftrace', 'tracefs'];
  const plain: number[] = [];
  const withProbes = new Map<ProbeEngine, number[]>(engines.map((e) => [e, []]));
  for (let i = 0; i < runs; i++) {
    plain.push(spinNs(await run(bin, ['-n', '0', '-spins', String(calls)])));
    for (const engine of engines) {
      const p = await probed(bin, calls, engine);
      // Counts must be exact; a timed share below 100% means latency events were dropped.
      if (p.counted !== calls || p.timed !== calls) console.log(`  run ${i + 1}, ${engine}: counted ${p.counted}, timed ${p.timed} of ${calls} calls (${p.lost} events lost)`);
      withProbes.get(engine)?.push(p.ns);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const perPlain = med(plain) / calls;
  const overhead = (per: number) => (per - perPlain) / 1000;
  const rows: string[][] = [
    ['', 'ns/call (median of runs)', 'overhead/call', 'dlv trace overhead / this'],
    ['unprobed', perPlain.toFixed(1), '', ''],
  ];
  const probedRows: Array<[string, number]> = engines.map((e) => [e === 'bpftrace' ? 'bpftrace uprobes (entry + RET)' : 'tracefs uprobe events (entry + RET)', med(withProbes.get(e) ?? []) / calls]);
  let dlvOverhead: number | undefined;

  const dlv = findDlv();
  if (dlv) {
    const t0 = performance.now();
    const r = spawnSync(dlv, ['trace', '--check-go-version=false', '-e', bin, 'main.spin', '--', '-n', '0', '-spins', String(dlvCalls)], { cwd: dir, encoding: 'utf8', timeout: 600_000, maxBuffer: 512 * 1024 * 1024 });
    const wall = performance.now() - t0;
    const out = `${r.stdout}${r.stderr}`;
    try {
      dlvOverhead = overhead(spinNs(out) / dlvCalls);
    } catch {
      console.log(`  dlv trace gave no timing (exit ${r.status}, ${(wall / 1000).toFixed(1)} s):\n${out.slice(-1000)}`);
    }
  } else {
    console.log('  dlv not found (go install github.com/go-delve/delve/cmd/dlv@latest): no comparison');
  }
  for (const [name, per] of probedRows) rows.push([name, per.toFixed(1), `${overhead(per).toFixed(2)} µs`, dlvOverhead === undefined ? '' : `${(dlvOverhead / overhead(per)).toFixed(0)}x`]);
  if (dlvOverhead !== undefined) rows.push([`dlv trace (${dlvCalls} calls)`, (perPlain + dlvOverhead * 1000).toFixed(1), `${dlvOverhead.toFixed(2)} µs`, '1x']);
  console.log(`spin(), ${calls} calls x ${runs} runs:`);
  console.log(table(rows));
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
