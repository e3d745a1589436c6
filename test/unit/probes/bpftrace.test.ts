/**
 * The bpftrace engine's pure parts: the generated script, the JSON lines it prints, what
 * `bpftrace --info` says about offset support, and the messages for what goes wrong. The
 * engine itself runs against a real bpftrace in test/lab/probes.test.ts.
 */
import * as assert from 'assert';
import { BpftraceReader, bpftraceScript, explainBpftraceError, parseBpftraceInfo, parseBpftraceLine, READY } from '../../../src/core/probes/bpftrace';
import { StatsAccumulator } from '../../../src/core/probes/events';
import type { ProbeTarget } from '../../../src/core/probes/symbols';

const targets: ProbeTarget[] = [
  { name: 'main.work', address: 0x4b9820, entry: 0x4b9820, returns: [0x4b982a, 0x4b9835] },
  { name: 'sync.(*Mutex).lockSlow', address: 0x470000, entry: 0x470006, returns: [0x470100] },
];

// Captured from Debian 12's bpftrace 0.17 and Debian 13's 0.23 (`bpftrace --info`, trimmed).
const INFO_017 = 'System\n  OS: Linux 6.1.0\nBuild\n  version: v0.17.0\n  LLVM: 14.0.6\n  bfd: no\n  libdw (DWARF support): yes\n';
const INFO_023 = 'System\n  OS: Linux 6.18.44\n  Arch: x86_64\nBuild\n  version: v0.23.2\n  LLVM: 19.1.7\n  bfd: yes\n  liblldb (DWARF support): no\n';

describe('probes: bpftrace engine', () => {
  describe('bpftraceScript', () => {
    const script = bpftraceScript('/tmp/w/workload', targets, { pid: 4242 }, 250);

    it('puts one uprobe on each entry (after the stack check) and one on every RET, filtered to the PID', () => {
      assert.match(script, /^uprobe:\/tmp\/w\/workload:0x4b9820 \/pid == 4242\/ \{ @golab_start\[0, /m);
      assert.match(script, /^uprobe:\/tmp\/w\/workload:0x4b982a, uprobe:\/tmp\/w\/workload:0x4b9835 \/pid == 4242\/ \{$/m);
      assert.match(script, /^uprobe:\/tmp\/w\/workload:0x470006 \/pid == 4242\/ \{ @golab_start\[1, /m);
      assert.match(script, /^uprobe:\/tmp\/w\/workload:0x470100 \/pid == 4242\/ \{$/m);
      // Never a uretprobe: it would rewrite return addresses on stacks the Go runtime moves.
      assert.doesNotMatch(script, /uretprobe|ur:/);
      // The symbol's own address is not probed when the entry is past the stack check (no double count after morestack).
      assert.doesNotMatch(script, /:0x470000\b/);
    });

    it('keys calls on goroutine (R14) and stack depth (g.stack.hi - SP), and counts in the kernel', () => {
      const key = 'reg("r14"), *(uint64 *)(reg("r14") + 8) - reg("sp")';
      assert.ok(script.includes(`@golab_start[0, ${key}] = nsecs; @golab_calls[0] = count();`), script);
      assert.ok(script.includes(`$t = @golab_start[1, ${key}];`), script);
      assert.ok(script.includes('printf("%d %llu\\n", 1, nsecs - $t)'), script);
      assert.match(script, /^interval:ms:250 \{ print\(@golab_calls\); printf\("golab-tick %llu\\n", nsecs\); \}$/m);
      assert.match(script, /^END \{ clear\(@golab_start\); print\(@golab_calls\); clear\(@golab_calls\); \}$/m);
      assert.ok(script.includes(`BEGIN { printf("${READY}\\n"); }`));
    });

    it('in a container, filters on the task PID of the initial namespace (bpftrace pid is namespace-relative there)', () => {
      const s = bpftraceScript('/proc/1/root/app/server', targets, { hostTgid: 6336 });
      assert.match(s, /^uprobe:\/proc\/1\/root\/app\/server:0x4b9820 \/curtask->tgid == 6336\/ \{/m);
      assert.doesNotMatch(s, /\/pid == /);
    });

    it('a function without RET (it never returns) gets only its entry probe', () => {
      const s = bpftraceScript('/b', [{ name: 'main.loop', address: 0x10, entry: 0x10, returns: [] }], { pid: 1 });
      assert.strictEqual(s.match(/^uprobe:/gm)?.length, 1);
    });
  });

  describe('parseBpftraceLine', () => {
    it('reads latencies, the ready mark, count maps and lost events; ignores the rest', () => {
      assert.deepStrictEqual(parseBpftraceLine('{"type": "printf", "data": "1 20250000\\n"}'), { kind: 'latency', fn: 1, ns: 20250000 });
      assert.deepStrictEqual(parseBpftraceLine(`{"type": "printf", "data": "${READY}\\n"}`), { kind: 'ready' });
      assert.deepStrictEqual(parseBpftraceLine('{"type": "printf", "data": "golab-tick 34824060879665\\n"}'), { kind: 'tick', ns: 34824060879665 });
      assert.deepStrictEqual(parseBpftraceLine('{"type": "map", "data": {"@golab_calls": {"0": 5000, "1": 20}}}'), { kind: 'counts', counts: new Map([[0, 5000], [1, 20]]) });
      assert.deepStrictEqual(parseBpftraceLine('{"type": "map", "data": {"@golab_calls": {}}}'), { kind: 'counts', counts: new Map() });
      assert.deepStrictEqual(parseBpftraceLine('{"type": "lost_events", "data": {"events": 12}}'), { kind: 'lost', events: 12 });
      assert.strictEqual(parseBpftraceLine('{"type": "attached_probes", "data": {"probes": 4}}'), undefined);
      assert.strictEqual(parseBpftraceLine('{"type": "map", "data": {"@other": {"0": 1}}}'), undefined);
      assert.strictEqual(parseBpftraceLine('{"type": "printf", "data": "hello\\n"}'), undefined);
      assert.strictEqual(parseBpftraceLine(''), undefined);
      assert.strictEqual(parseBpftraceLine('{"type": "printf", "data": "1 2'), undefined);
      assert.strictEqual(parseBpftraceLine('WARNING: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK'), undefined);
    });

    it('feeds the accumulator: counts from the map are exact, latencies give percentiles, a late smaller count never lowers it', () => {
      const acc = new StatsAccumulator(['main.work', 'main.sleepy'], []);
      for (let i = 1; i <= 100; i++) acc.recordLatency(0, i * 1000);
      acc.setCalls(0, 120);
      acc.setCalls(0, 110);
      acc.setCalls(7, 1); // an index the script does not have: ignored
      acc.recordLatency(-1, 5);
      const [work, sleepy] = acc.snapshot(0);
      assert.deepStrictEqual(
        { calls: work.calls, measured: work.measured, p50: work.p50Ns, p90: work.p90Ns, p99: work.p99Ns, max: work.maxNs },
        { calls: 120, measured: 100, p50: 50_000, p90: 90_000, p99: 99_000, max: 100_000 },
      );
      assert.deepStrictEqual({ calls: sleepy.calls, measured: sleepy.measured }, { calls: 0, measured: 0 });
    });

    it('never counts fewer calls than it timed (the count map fell one short under load)', () => {
      const acc = new StatsAccumulator(['main.deep'], []);
      for (let i = 0; i < 1010; i++) acc.recordLatency(0, 1000);
      acc.setCalls(0, 1009);
      assert.deepStrictEqual(
        acc.snapshot(0).map((f) => [f.calls, f.measured]),
        [[1010, 1010]],
      );
      // And a later, higher count still wins.
      acc.setCalls(0, 1012);
      assert.strictEqual(acc.snapshot(1).at(0)?.calls, 1012);
    });
  });

  describe('BpftraceReader.caughtUp', () => {
    it('waits for a count print made after the call, and not one whose interval lost events (its counts may be among them)', async () => {
      const reader = new BpftraceReader(['main.deep']);
      let caught = false;
      const waiting = reader.caughtUp().then((ok) => (caught = ok));
      const now = Number(process.hrtime.bigint());
      const feed = async (lines: string[]) => {
        reader.out(lines.map((l) => `${l}\n`).join(''));
        await new Promise((r) => setImmediate(r));
      };
      // A print made before the call, arriving late: not enough.
      await feed(['{"type": "map", "data": {"@golab_calls": {"0": 1000}}}', `{"type": "printf", "data": "golab-tick ${now - 1e9}\\n"}`]);
      assert.strictEqual(caught, false);
      // A print made after it, but the interval lost events (here the count print itself).
      await feed(['{"type": "lost_events", "data": {"events": 3}}', `{"type": "printf", "data": "golab-tick ${now + 1e6}\\n"}`]);
      assert.strictEqual(caught, false, 'woke on a tick whose count print was lost');
      assert.strictEqual(reader.acc.snapshot(0)[0].calls, 1000);
      // The next whole interval.
      await feed(['{"type": "map", "data": {"@golab_calls": {"0": 1010}}}', `{"type": "printf", "data": "golab-tick ${now + 2e6}\\n"}`]);
      await waiting;
      assert.strictEqual(caught, true);
      assert.strictEqual(reader.acc.snapshot(0)[0].calls, 1010);
      assert.strictEqual(reader.lost, 3);
    });
  });

  describe('parseBpftraceInfo', () => {
    it('tells offset support from the bfd line: Debian 12 has none, Debian 13 has it', () => {
      assert.deepStrictEqual(parseBpftraceInfo('/usr/bin/bpftrace', INFO_017), { path: '/usr/bin/bpftrace', version: '0.17.0', offsets: false });
      assert.deepStrictEqual(parseBpftraceInfo('bpftrace', INFO_023), { path: 'bpftrace', version: '0.23.2', offsets: true });
      assert.strictEqual(parseBpftraceInfo('x', 'ERROR: bpftrace currently only supports running as the root user.'), undefined);
      // A release that no longer reports bfd decides by version.
      assert.strictEqual(parseBpftraceInfo('x', 'Build\n  version: v0.25.0\n')?.offsets, true);
      assert.strictEqual(parseBpftraceInfo('x', 'Build\n  version: v0.19.1\n')?.offsets, false);
    });
  });

  describe('explainBpftraceError', () => {
    const info = { path: '/usr/local/bin/bpftrace', version: '0.23.2', offsets: true };
    it('says what is missing and how to get it', () => {
      const perm = explainBpftraceError("WARNING: Unknown error -1: couldn't set RLIMIT_MEMLOCK\nERROR: bpftrace currently only supports running as the root user.\n", info);
      assert.strictEqual(perm.reason, 'permission');
      assert.match(perm.message, /^probes need root: .*Run golab with sudo/);
      assert.doesNotMatch(perm.message, /RLIMIT_MEMLOCK/);
      const old = explainBpftraceError("ERROR: Can't check if uprobe is in proper place (compiled without (k|u)probe offset support): /w:main.work+10", { ...info, version: '0.17.0' });
      assert.strictEqual(old.reason, 'unsupported');
      assert.match(old.message, /built without uprobe offset support.*lab\/bpftrace\/install\.sh/);
      assert.strictEqual(explainBpftraceError('ERROR: Kernel is locked down (lockdown)', info).reason, 'lockdown');
      assert.deepStrictEqual(explainBpftraceError('ERROR: something else\n', info), { message: 'bpftrace failed: ERROR: something else', reason: 'target' });
    });
  });
});
