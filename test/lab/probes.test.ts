/**
 * Probes for real, with both engines: bpftrace (a real bpftrace with uprobe offset support) and
 * the kernel's uprobe events in tracefs, on a real Go binary built from
 * test/fixtures/probes/workload with -gcflags=all=-l. Exact call counts, the latency of a
 * function that sleeps a known time, attach by PID, the CLI's JSON, and nothing left behind
 * (no bpftrace or reader process, no trace instance, no uprobe definition). Runs as root;
 * without root, tracefs or such a bpftrace it fails saying what to do, it never skips.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FunctionStats } from '../../src/core/probes/events';
import { bpftraceInfo } from '../../src/core/probes/bpftrace';
import { checkProbeSupport, type ProbeEngine, removeStaleProbes, TRACEFS } from '../../src/core/probes/session';
import { removeStaleProbeSessions, startProbes, type StartOptions } from '../../src/core/probes/start';
import { distDir, fixtures } from '../support/paths';

const cli = path.join(distDir, 'cli.js');

function byName(stats: readonly FunctionStats[], name: string): FunctionStats {
  const s = stats.find((f) => f.name === name);
  assert.ok(s, `${name} missing from ${JSON.stringify(stats)}`);
  return s;
}

/** Nothing of this process's sessions may remain in tracefs or the process table. */
function assertNothingLeft(): void {
  const defs = fs.readFileSync(path.join(TRACEFS, 'uprobe_events'), 'utf8');
  assert.deepStrictEqual(defs.split('\n').filter((l) => l.includes(`golab_${process.pid}_`)), [], 'a uprobe definition outlived its session');
  assert.deepStrictEqual(fs.readdirSync(path.join(TRACEFS, 'instances')).filter((d) => d.startsWith(`golab_${process.pid}_`)), [], 'a trace instance outlived its session');
  const readers = spawnSync('pgrep', ['-f', `instances/golab_${process.pid}_`], { encoding: 'utf8' }).stdout.trim();
  assert.strictEqual(readers, '', 'a trace reader process outlived its session');
  // Every golab bpftrace runs a script named golab-bpftrace-<owner pid>-<n>.bt.
  const bpftrace = spawnSync('pgrep', ['-f', 'golab-bpftrace-'], { encoding: 'utf8' }).stdout.trim();
  assert.strictEqual(bpftrace, '', 'a golab bpftrace process is running');
  assert.deepStrictEqual(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`golab-bpftrace-${process.pid}-`)), [], 'a bpftrace script outlived its session');
}

const ENGINES: readonly ProbeEngine[] = ['bpftrace', 'tracefs'];

describe('probes (real uprobes on a real Go binary)', function () {
  this.timeout(120_000);
  let dir: string;
  let bin: string;

  before(async () => {
    try {
      checkProbeSupport();
    } catch (e) {
      throw new Error(
        `The probe tests need root and tracefs with uprobe events:\n  ${e instanceof Error ? e.message : String(e)}\n` +
          'Run them as root; mount tracefs with `mount -t tracefs nodev /sys/kernel/tracing` if it is missing.',
        { cause: e },
      );
    }
    const info = await bpftraceInfo('bpftrace').catch((e: unknown) => {
      throw new Error(`The probe tests need bpftrace on PATH: ${e instanceof Error ? e.message : String(e)}\nInstall it with lab/bpftrace/install.sh (as root).`);
    });
    assert.ok(info.offsets, `bpftrace ${info.version} on PATH (${info.path}) has no uprobe offset support (bpftrace --info: bfd: no); install one with lab/bpftrace/install.sh (as root)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-probes-'));
    bin = path.join(dir, 'workload');
    const b = spawnSync('go', ['build', '-gcflags=all=-l', '-o', bin, '.'], { cwd: path.join(fixtures, 'probes', 'workload'), encoding: 'utf8' });
    assert.strictEqual(b.status, 0, `go build failed (is Go installed?):\n${b.stderr}`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(assertNothingLeft);

  for (const engine of ENGINES) {
    describe(`engine: ${engine}`, () => {
      const start = (opts: StartOptions) => startProbes({ ...opts, engine });

      it('counts exactly N calls of a started binary, ending when it exits', async () => {
        const session = await start({ binary: bin, args: ['-n', '5000'], patterns: ['main\\.work'] });
        await session.ended;
        const r = await session.stop();
        assert.strictEqual(r.engine, engine);
        assert.strictEqual(r.reason, 'exited');
        assert.strictEqual(r.exitCode, 0);
        assert.strictEqual(r.lost, 0);
        const work = byName(r.functions, 'main.work');
        console.log(`      main.work: ${work.calls} calls, ${work.measured} timed, p50 ${work.p50Ns} ns`);
        // Where the function is declared, from the binary's line table (annotations of setting patterns use it).
        const target = session.targets.find((t) => t.name === 'main.work');
        assert.strictEqual(target?.file, path.join(fixtures, 'probes', 'workload', 'main.go'));
        assert.match(fs.readFileSync(target.file, 'utf8').split('\n')[(target.line ?? 0) - 1], /^func work\(/);
        assert.strictEqual(work.calls, 5000);
        // Both RET instructions of work() are probed: every call is timed.
        assert.strictEqual(work.measured, 5000);
      });

      it('measures a function sleeping 20 ms x 20 within tolerance', async () => {
        const session = await start({ binary: bin, args: ['-n', '0', '-sleeps', '20', '-sleep', '20ms'], patterns: ['main.sleepy'] });
        await session.ended;
        const s = byName((await session.stop()).functions, 'main.sleepy');
        console.log(`      main.sleepy: ${s.calls} calls, p50 ${(s.p50Ns / 1e6).toFixed(2)} ms, p99 ${(s.p99Ns / 1e6).toFixed(2)} ms, max ${(s.maxNs / 1e6).toFixed(2)} ms`);
        assert.strictEqual(s.calls, 20);
        assert.strictEqual(s.measured, 20);
        assert.ok(s.p50Ns >= 15e6 && s.p50Ns <= 60e6, `p50 ${s.p50Ns} ns is not within 15-60 ms`);
        assert.ok(s.maxNs >= s.p99Ns && s.p99Ns >= s.p90Ns && s.p90Ns >= s.p50Ns);
      });

      it('pairs entry and return per goroutine: 20 goroutines blocking in sleepy, changing threads', async () => {
        const session = await start({ binary: bin, args: ['-n', '0', '-sleeps', '400', '-goroutines', '20', '-sleep', '5ms'], patterns: ['main.sleepy'] });
        await session.ended;
        const s = byName((await session.stop()).functions, 'main.sleepy');
        console.log(`      main.sleepy x20 goroutines: ${s.calls} calls, ${s.measured} timed, p50 ${(s.p50Ns / 1e6).toFixed(2)} ms, max ${(s.maxNs / 1e6).toFixed(2)} ms`);
        assert.strictEqual(s.calls, 400);
        // Keyed by thread, interleaved goroutines would overwrite each other's start times.
        assert.strictEqual(s.measured, 400);
        assert.ok(s.p50Ns >= 4e6 && s.p50Ns <= 40e6, `p50 ${s.p50Ns} ns is not within 4-40 ms`);
      });

      it('counts a recursive function whose goroutine stack grows and moves exactly once per call', async () => {
        // 10 goroutines x deep(100) = 1010 calls; a probe at the symbol itself would also count
        // the re-entries after each morestack (1060 with bpftrace on main.deep, go1.26).
        const session = await start({ binary: bin, args: ['-n', '0', '-deeps', '10', '-depth', '100'], patterns: ['main.deep'] });
        await session.ended;
        const result = await session.stop();
        const s = byName(result.functions, 'main.deep');
        console.log(`      main.deep: ${s.calls} calls, ${s.measured} timed, ${result.lost} events lost`);
        // (The events bpftrace lost, if any, say why a count fell short.)
        assert.strictEqual(s.calls, 1010, `${result.lost} events lost`);
        // Keyed by (goroutine, stack depth from g.stack.hi): every frame pairs with its own RET after the copy.
        assert.strictEqual(s.measured, 1010, `${result.lost} events lost`);
      });

      it('attaches to a running PID (not to another process of the same binary), gives live snapshots, stops when it exits', async () => {
        const ready = path.join(dir, 'ready');
        const child = spawn(bin, ['-wait', '1500ms', '-n', '3000', '-sleeps', '5', '-sleep', '200ms'], { env: { ...process.env, PROBE_READY_FILE: ready }, stdio: 'ignore' });
        // Another process running the same binary at the same time: uprobes fire in it too, the PID filter must drop them.
        const other = spawn(bin, ['-wait', '1600ms', '-n', '777'], { stdio: 'ignore' });
        for (let i = 0; i < 100 && !fs.existsSync(ready); i++) await new Promise((r) => setTimeout(r, 20));
        const snapshots: FunctionStats[][] = [];
        const pid = child.pid ?? 0;
        const session = await start({ pid, patterns: ['main\\.(work|sleepy)'], onSnapshot: (s) => snapshots.push(s), intervalMs: 250 });
        await session.ended;
        const r = await session.stop();
        assert.strictEqual(r.reason, 'exited');
        await new Promise((r) => (other.exitCode === null ? other.on('exit', r) : r(undefined)));
        assert.strictEqual(byName(r.functions, 'main.work').calls, 3000);
        assert.strictEqual(byName(r.functions, 'main.sleepy').calls, 5);
        assert.ok(snapshots.length >= 3, `only ${snapshots.length} snapshots`);
        assert.ok(snapshots.some((s) => byName(s, 'main.work').calls === 3000 && byName(s, 'main.sleepy').calls < 5), 'no live snapshot showed work done and sleepy still running');
      });

      it('stop() while the target runs removes everything and stops the started binary', async () => {
        const session = await start({ binary: bin, args: ['-n', '10', '-sleeps', '1000', '-sleep', '10ms'], patterns: ['main.sleepy'] });
        await new Promise((r) => setTimeout(r, 500));
        const r = await session.stop();
        assert.strictEqual(r.reason, 'stopped');
        assert.ok(byName(r.functions, 'main.sleepy').calls > 5);
        assert.throws(() => process.kill(r.pid, 0), 'the started binary outlived stop()');
      });
    });
  }

  /**
   * `golab probe --engine ENGINE` on main.sleepy of a long-running workload it starts, once it
   * says the target's PID (waiting at most `polls` x 20 ms): to be SIGKILLed by the test.
   */
  const probeCli = async (engine: ProbeEngine, polls: number) => {
    const child = spawn(process.execPath, [cli, 'probe', '--engine', engine, '--func', 'main.sleepy', '--', bin, '-n', '0', '-sleeps', '100000', '-sleep', '5ms'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    for (let i = 0; i < polls && !/in PID (\d+)/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
    return { child, target: Number(/in PID (\d+)/.exec(stderr)?.[1]), stderr };
  };

  it('removes what a SIGKILLed golab left (tracefs): its reader process, trace instance and uprobes', async () => {
    const { child, target } = await probeCli('tracefs', 500);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    process.kill(target, 'SIGKILL'); // the target too, so its reader gets no more events
    const group = `golab_${child.pid}_`;
    assert.ok(fs.readFileSync(path.join(TRACEFS, 'uprobe_events'), 'utf8').includes(group), 'the killed golab left nothing to clean (test premise)');
    assert.ok(removeStaleProbes() >= 1);
    assert.ok(!fs.readFileSync(path.join(TRACEFS, 'uprobe_events'), 'utf8').includes(group), 'stale uprobes remain');
    assert.deepStrictEqual(fs.readdirSync(path.join(TRACEFS, 'instances')).filter((d) => d.startsWith(group)), []);
    assert.strictEqual(spawnSync('pgrep', ['-f', `instances/${group}`], { encoding: 'utf8' }).stdout.trim(), '', 'a stale reader survived');
  });

  it('a SIGKILLed golab leaves no bpftrace behind: its closed output pipe ends bpftrace, and the stale sweep finds any that survive', async () => {
    const { child, target, stderr } = await probeCli('bpftrace', 1500);
    assert.ok(target > 0, stderr);
    const mine = () => spawnSync('pgrep', ['-f', `golab-bpftrace-${child.pid}-`], { encoding: 'utf8' }).stdout.trim();
    assert.notStrictEqual(mine(), '', 'no bpftrace ran for the CLI (test premise)');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    let waited = 0;
    for (; waited < 5000 && mine() !== ''; waited += 50) await new Promise((r) => setTimeout(r, 50));
    console.log(`      bpftrace ended ${waited} ms after its golab was killed`);
    assert.strictEqual(mine(), '', 'bpftrace outlived its golab by 5 s');
    assert.strictEqual(removeStaleProbeSessions(), 0);
    process.kill(target, 'SIGKILL');
    // The script file of the killed golab stays in the temp dir: nothing runs it, remove it here.
    for (const f of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`golab-bpftrace-${child.pid}-`))) fs.rmSync(path.join(os.tmpdir(), f));
  });

  it('golab probe --engine bpftrace as a user without privileges exits 2 saying what is missing; the target is not left running', () => {
    // The unprivileged user must be able to read and run the binary itself.
    fs.chmodSync(dir, 0o755);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, cli, 'probe', '--engine', 'bpftrace', '--func', 'main.work', '--', bin, '-n', '10'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    console.log(`      as nobody: ${r.stderr.trim().split('\n')[0]}`);
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /probes need root: .*refuses to run otherwise \("ERROR: bpftrace currently only supports running as the root user\."\)\. Run golab with sudo/);
    assert.strictEqual(spawnSync('pgrep', ['-f', `${bin} -n 10`], { encoding: 'utf8' }).stdout.trim(), '', 'the started binary was left running');
  });

  it('golab probe --format json -- BINARY prints exact counts and percentiles, exit 0', () => {
    const r = spawnSync(process.execPath, [cli, 'probe', '--func', 'main.work', '--func', 'main.sleepy', '--func', 'main.inlinedAway', '--format', 'json', '--', bin, '-n', '1000', '-sleeps', '10', '-sleep', '20ms'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { engine: string; reason: string; functions: Array<{ name: string; calls: number; p50Ns: number }>; notFound: string[] };
    console.log(`      CLI: ${JSON.stringify(out.functions)}`);
    // auto picks bpftrace where it can probe return instructions (the before hook checked it can).
    assert.strictEqual(out.engine, 'bpftrace');
    assert.strictEqual(out.reason, 'exited');
    assert.deepStrictEqual(out.functions.map((f) => `${f.name} ${f.calls}`), ['main.work 1000', 'main.sleepy 10']);
    assert.ok(out.functions[1].p50Ns > 15e6 && out.functions[1].p50Ns < 60e6, String(out.functions[1].p50Ns));
    assert.deepStrictEqual(out.notFound, ['main.inlinedAway: not found (inlined? build with -gcflags=all=-l)']);
    assert.match(r.stderr, /probes removed/);
  });

  it('golab probe interrupted with Ctrl+C prints the final table, exits 130 and removes everything', async () => {
    const child = spawn(process.execPath, [cli, 'probe', '--func', 'main.sleepy', '--format', 'json', '--', bin, '-n', '0', '-sleeps', '100000', '-sleep', '5ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    for (let i = 0; i < 500 && !/probing main\.sleepy in PID/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
    const target = Number(/in PID (\d+)/.exec(stderr)?.[1]);
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.strictEqual(code, 130, stderr);
    const out = JSON.parse(stdout) as { functions: Array<{ name: string; calls: number }> };
    assert.ok(out.functions[0].calls > 20, stdout);
    assert.throws(() => process.kill(target, 0), 'the probed binary outlived golab');
  });

  it('golab probe --pack gc,mutex,goroutines counts runtime events of a program with no probe of its own', () => {
    const r = spawnSync(
      process.execPath,
      [cli, 'probe', '--pack', 'gc', '--pack', 'mutex', '--pack', 'goroutines', '--format', 'json', '--', bin, '-n', '0', '-gcs', '5', '-goroutines', '4', '-locks', '20'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { functions: Array<{ name: string; calls: number }> };
    const calls = Object.fromEntries(out.functions.map((f) => [f.name, f.calls]));
    console.log(`      packs: ${JSON.stringify(calls)}`);
    // runtime.GC() x5 each starts a cycle (the runtime may start more on its own).
    assert.ok((calls['runtime.gcStart'] ?? 0) >= 5, JSON.stringify(calls));
    // 4 goroutines taking one mutex 20 times each while holding it across a sleep: most Locks contend.
    const slow = Object.entries(calls).find(([n]) => /sync\.\(\*Mutex\)\.lockSlow$/.test(n))?.[1] ?? 0;
    assert.ok(slow >= 20 && slow <= 80, JSON.stringify(calls));
    // -goroutines 4 starts 4 (idle) sleepy goroutines and 4 lock goroutines: 8 at least.
    assert.ok((calls['runtime.newproc1'] ?? 0) >= 8, JSON.stringify(calls));
  });

  it('golab probe on a function with no symbol exits 2 with the hint', () => {
    const r = spawnSync(process.execPath, [cli, 'probe', '--func', 'main.nothere', '--', bin], { encoding: 'utf8', timeout: 60_000 });
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /main\.nothere: not found \(inlined\? build with -gcflags=all=-l\)/);
  });

  it('golab probe --duration stops a long run in text mode with the final table on stdout', () => {
    const r = spawnSync(process.execPath, [cli, 'probe', '--func', 'main.sleepy', '--duration', '1500ms', '--', bin, '-n', '0', '-sleeps', '1000', '-sleep', '10ms'], { encoding: 'utf8', timeout: 60_000 });
    assert.strictEqual(r.status, 0, r.stderr);
    console.log(`      CLI text stdout:\n${r.stdout.replace(/^/gm, '        ')}`);
    assert.match(r.stdout, /^FUNCTION\s+CALLS\s+P50\s+P90\s+P99\s+MAX\nmain\.sleepy\s+\d+\s+\d+\.\d ms/);
    assert.match(r.stderr, /RATE/); // the live table
    assert.match(r.stderr, /stopped after 1\.\d s; probes removed/);
  });
});
