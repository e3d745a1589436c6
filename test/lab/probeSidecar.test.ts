/**
 * Probing a Go process inside a container from a sidecar container, for real: the workload runs
 * as the main process of a container of the lab image, bpftrace runs in a sidecar sharing its PID
 * namespace (real dockerd, real bpftrace from lab/bpftrace/install.sh), counts are exact, the
 * target is unaffected, and no sidecar outlives its session, also when the target exits first.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type Docker from 'dockerode';
import type { DockerConnection } from '../../src/core/lab/docker';
import { LAB_LABEL, OWNER_LABEL, ownerLabel } from '../../src/core/lab/runner';
import type { FunctionStats } from '../../src/core/probes/events';
import { ProbeError } from '../../src/core/probes/session';
import { BPFTRACE_PREFIX, PROBE_TARGET_LABEL, SidecarSession } from '../../src/core/probes/sidecar';
import { distDir, fixtures } from '../support/paths';
import { assertNoLabContainers, connectOrExplain, labImage } from './helpers';

const cli = path.join(distDir, 'cli.js');

async function sidecars(conn: DockerConnection): Promise<string[]> {
  return (await conn.docker.listContainers({ all: true, filters: { label: [PROBE_TARGET_LABEL] } })).map((c) => c.Names.join(','));
}

describe('probes in a container (bpftrace in a sidecar sharing its PID namespace)', function () {
  this.timeout(300_000);
  let conn: DockerConnection;
  let image: string;
  let dir: string;
  const targets: Docker.Container[] = [];

  /** A container of the lab image running the workload (mounted read-only) with `args`. */
  async function runTarget(args: string[]): Promise<Docker.Container> {
    const c = await conn.docker.createContainer({
      Image: image,
      Cmd: ['/app/workload', ...args],
      // Labelled like lab runs, so the leftover check covers it too.
      Labels: { [LAB_LABEL]: '1', [OWNER_LABEL]: ownerLabel() },
      HostConfig: { Binds: [`${dir}:/app`], NetworkMode: 'none' },
    });
    targets.push(c);
    await c.start();
    return c;
  }

  before(async () => {
    assert.ok(fs.existsSync(path.join(BPFTRACE_PREFIX, 'bpftrace')), `no self-contained bpftrace at ${BPFTRACE_PREFIX}: run lab/bpftrace/install.sh as root (.ci/setup does)`);
    conn = await connectOrExplain();
    image = await labImage(conn);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-sidecar-'));
    fs.chmodSync(dir, 0o755);
    const b = spawnSync('go', ['build', '-gcflags=all=-l', '-o', path.join(dir, 'workload'), '.'], { cwd: path.join(fixtures, 'probes', 'workload'), encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0' } });
    assert.strictEqual(b.status, 0, `go build failed:\n${b.stderr}`);
  });
  afterEach(async () => {
    for (const c of targets.splice(0)) await c.remove({ force: true }).catch(() => undefined);
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('gate'))) fs.rmSync(path.join(dir, f));
    await assertNoLabContainers(conn);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('counts exactly 3000 calls of main.work in the container, times them, and leaves the target running', async () => {
    // The workload waits for the gate file: the calls start only once the probes are attached.
    const target = await runTarget(['-gate', '/app/gate1', '-n', '3000', '-sleeps', '1', '-sleep', '60s']);
    const snapshots: FunctionStats[][] = [];
    const session = await SidecarSession.start({ conn, container: (await target.inspect()).Id, patterns: ['main\\.work', 'main\\.sleepy'], image, onSnapshot: (s) => snapshots.push(s), intervalMs: 250 });
    assert.deepStrictEqual(await sidecars(conn), [`/${session.name}`]);
    fs.writeFileSync(path.join(dir, 'gate1'), 'go');
    // main.sleepy (60 s) is entered once the 3000 work calls are done.
    for (let i = 0; i < 400 && !snapshots.some((s) => s.find((f) => f.name === 'main.sleepy')?.calls === 1); i++) await new Promise((r) => setTimeout(r, 50));
    const r = await session.stop();
    const work = r.functions.find((f) => f.name === 'main.work');
    console.log(`      in the container: main.work ${work?.calls} calls, ${work?.measured} timed, p50 ${work?.p50Ns} ns; ${snapshots.length} live snapshots`);
    assert.strictEqual(r.reason, 'stopped');
    assert.strictEqual(work?.calls, 3000);
    assert.strictEqual(work.measured, 3000);
    assert.strictEqual(r.functions.find((f) => f.name === 'main.sleepy')?.calls, 1);
    assert.deepStrictEqual(await sidecars(conn), [], 'the sidecar outlived stop()');
    assert.strictEqual((await target.inspect()).State.Running, true, 'probing stopped the target');
  });

  it('ends with the target: the container exits, the session says so, and the sidecar is removed', async () => {
    const target = await runTarget(['-gate', '/app/gate2', '-n', '100', '-sleeps', '3', '-sleep', '200ms']);
    const session = await SidecarSession.start({ conn, container: (await target.inspect()).Id, patterns: ['main\\.sleepy'], image });
    fs.writeFileSync(path.join(dir, 'gate2'), 'go');
    await session.ended;
    const r = await session.stop();
    assert.strictEqual(r.reason, 'exited');
    // The namespace dies with the target's PID 1, bpftrace with it: counts are those of its last print (every 250 ms).
    assert.ok((r.functions[0]?.calls ?? 0) >= 2, JSON.stringify(r.functions));
    assert.deepStrictEqual(await sidecars(conn), []);
  });

  it('says what is wrong with the target: no such container, a stopped one, a process that is not there', async () => {
    await assert.rejects(SidecarSession.start({ conn, container: 'golab-no-such-container', patterns: ['main\\.work'], image }), (e: unknown) => e instanceof ProbeError && /no container "golab-no-such-container"/.test(e.message));
    const target = await runTarget(['-n', '0', '-sleeps', '1', '-sleep', '60s']);
    const id = (await target.inspect()).Id;
    await assert.rejects(SidecarSession.start({ conn, container: id, pid: 4242, patterns: ['main\\.work'], image }), (e: unknown) => e instanceof ProbeError && /no process 4242 in container/.test(e.message));
    await assert.rejects(SidecarSession.start({ conn, container: id, patterns: ['main\\.nothere'], image }), (e: unknown) => e instanceof ProbeError && /main\\\.nothere: not found \(inlined\? build with -gcflags=all=-l\)/.test(e.message));
    assert.deepStrictEqual(await sidecars(conn), [], 'a sidecar outlived a failed start');
    await target.kill();
    await assert.rejects(SidecarSession.start({ conn, container: id, patterns: ['main\\.work'], image }), (e: unknown) => e instanceof ProbeError && /is not running/.test(e.message));
  });

  it('golab probe --container NAME --format json probes the main process from a sidecar', async () => {
    const target = await runTarget(['-n', '0', '-sleeps', '100000', '-sleep', '5ms']);
    const name = (await target.inspect()).Name.replace(/^\//, '');
    const r = spawnSync(process.execPath, [cli, 'probe', '--container', name, '--func', 'main.sleepy', '--duration', '2s', '--format', 'json'], { encoding: 'utf8', timeout: 120_000 });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { engine: string; pid: number; functions: Array<{ name: string; calls: number; p50Ns: number }> };
    console.log(`      CLI: ${JSON.stringify(out.functions)}`);
    assert.strictEqual(out.engine, 'bpftrace');
    assert.strictEqual(out.pid, 1);
    assert.ok(out.functions[0].calls > 20, r.stdout);
    assert.ok(out.functions[0].p50Ns >= 4e6 && out.functions[0].p50Ns < 60e6, r.stdout);
    assert.match(r.stderr, new RegExp(`in PID 1 of container ${name} \\(sidecar golab-probe-\\w+\\)`));
    assert.deepStrictEqual(await sidecars(conn), []);
  });
});
