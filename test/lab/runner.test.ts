/**
 * The lab runner against the real dockerd and the real Go toolchain: the `local` lab image,
 * go test (streamed), the race detector, the OOM killer under a memory limit, cancellation,
 * timeouts, the read-only workspace, artifacts, the caches and leftover removal. After every
 * test no container labelled `golab` may exist.
 */
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DockerConnection } from '../../src/core/lab/docker';
import { removeLeftovers } from '../../src/core/lab/cleanup';
import { LabCancelledError, LabImageBuildError, LabImageMissingError, LabWorkspaceMissingError } from '../../src/core/lab/errors';
import { ensureLabImage, ensureLocalBaseImage } from '../../src/core/lab/image';
import { GOCACHE_VOLUME, LAB_LABEL, MISSING_MODULE_HINT, OWNER_LABEL, ownerLabel, runInLab, WORKSPACE_MOUNT } from '../../src/core/lab/runner';
import type { LabLimits, LabRunSpec } from '../../src/core/lab/types';
import { assertNoLabContainers, connectOrExplain, labDir, labFixtures, labImage, MiB } from './helpers';

const LIMITS: LabLimits = { memoryBytes: 1024 * MiB, cpus: 2, pids: 512 };

/** A copy of a fixture in a temporary directory (for writable runs and host-built binaries). */
function tempCopy(fixture: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `golab-lab-${fixture}-`));
  fs.cpSync(path.join(labFixtures, fixture), dir, { recursive: true });
  return dir;
}

describe('lab runner (real dockerd)', function () {
  let conn: DockerConnection;
  let image: string;
  const temps: string[] = [];

  before(async function () {
    conn = await connectOrExplain();
    // The first build of the local base (debootstrap) takes minutes; later ones find it cached.
    image = await labImage(conn);
  });

  afterEach(async function () {
    await assertNoLabContainers(conn);
  });

  after(function () {
    for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
  });

  function spec(workspace: string, cmd: string[], extra: Partial<LabRunSpec> = {}): LabRunSpec {
    return { cmd, workspace, limits: LIMITS, ...extra };
  }

  it('runs go test and streams its output while it runs', async function () {
    const chunks: Array<{ text: string; at: number }> = [];
    const t0 = performance.now();
    const result = await runInLab(
      conn.docker,
      image,
      spec(path.join(labFixtures, 'hello'), ['go', 'test', '-count=1', '-v', '.'], {
        onStdout: (text) => chunks.push({ text, at: performance.now() }),
      }),
    );
    const end = performance.now();
    console.log(`      go test in the lab: ${(result.durationMs / 1000).toFixed(1)} s`);
    assert.strictEqual(result.exitCode, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /--- PASS: TestSum/);
    assert.match(result.stdout, /^ok\s+example\.com\/hello/m);
    assert.strictEqual(result.oomKilled, false);
    assert.strictEqual(result.timedOut, false);
    assert.strictEqual(chunks.map((c) => c.text).join(''), result.stdout, 'the streamed chunks are the collected output');
    const first = chunks.find((c) => c.text.includes('golab-stream-first'));
    assert.ok(first, 'the first line was streamed');
    // The test sleeps 1.5 s after its first line: a streamed line arrives before the run ends.
    assert.ok(end - first.at > 1000, `first line came ${(end - first.at).toFixed(0)} ms before the end`);
    assert.ok(first.at - t0 >= 0);
  });

  it('reports a data race with go test -race', async function () {
    const result = await runInLab(conn.docker, image, spec(path.join(labFixtures, 'race'), ['go', 'test', '-race', '-count=1', '.']));
    const out = result.stdout + result.stderr;
    assert.match(out, /WARNING: DATA RACE/, out);
    assert.notStrictEqual(result.exitCode, 0);
  });

  it('has the OOM killer stop a program over its memory limit and says so', async function () {
    // Built on the host: compiling inside a 96 MiB container would test the compiler instead.
    const ws = tempCopy('hog');
    temps.push(ws);
    execFileSync('go', ['build', '-o', 'hog', '.'], { cwd: ws, env: { ...process.env, CGO_ENABLED: '0' } });
    const limits: LabLimits = { memoryBytes: 96 * MiB, cpus: 1, pids: 64 };
    const result = await runInLab(conn.docker, image, { cmd: [`${WORKSPACE_MOUNT}/hog`], workspace: ws, limits });
    assert.strictEqual(result.oomKilled, true, `not OOM-killed: exit ${result.exitCode}\n${result.stderr.slice(-500)}`);
    assert.strictEqual(result.exitCode, 137);
    assert.strictEqual(result.signal, 'SIGKILL');
    assert.strictEqual(result.limits.memoryBytes, 96 * MiB);
    assert.match(result.stdout, /allocated \d+ MiB/);
    assert.doesNotMatch(result.stderr, /without being killed/);
  });

  it('rejects with LabCancelledError when aborted mid-run and leaves no container', async function () {
    const abort = new AbortController();
    let sawOutput = false;
    const run = runInLab(
      conn.docker,
      image,
      spec(path.join(labFixtures, 'hello'), ['sh', '-c', 'echo started; sleep 60'], {
        signal: abort.signal,
        onStdout: () => {
          sawOutput = true;
          abort.abort();
        },
      }),
    );
    const t0 = performance.now();
    await assert.rejects(run, (e: unknown) => e instanceof LabCancelledError && /cancelled/.test(e.message));
    assert.ok(sawOutput, 'the run had started');
    assert.ok(performance.now() - t0 < 30_000, 'cancelling did not wait for the command');
  });

  it('kills a run at its timeout, resolves with timedOut and leaves no container', async function () {
    const result = await runInLab(conn.docker, image, spec(path.join(labFixtures, 'hello'), ['sleep', '60'], { timeoutMs: 1500 }));
    assert.strictEqual(result.timedOut, true);
    assert.strictEqual(result.signal, 'SIGKILL');
    assert.ok(result.durationMs < 30_000, `ran ${result.durationMs} ms`);
  });

  it('mounts the workspace read-only unless writable', async function () {
    const ws = tempCopy('hello');
    temps.push(ws);
    const write = ['sh', '-c', `echo lab > ${WORKSPACE_MOUNT}/written.txt`];
    const ro = await runInLab(conn.docker, image, spec(ws, write));
    assert.notStrictEqual(ro.exitCode, 0);
    assert.match(ro.stderr, /Read-only file system/);
    assert.strictEqual(fs.existsSync(path.join(ws, 'written.txt')), false);

    const rw = await runInLab(conn.docker, image, spec(ws, write, { writable: true }));
    assert.strictEqual(rw.exitCode, 0, rw.stderr);
    assert.strictEqual(fs.readFileSync(path.join(ws, 'written.txt'), 'utf8'), 'lab\n');
  });

  it('copies artifacts back (a file and a directory), skipping missing paths', async function () {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-artifacts-'));
    temps.push(out);
    const result = await runInLab(
      conn.docker,
      image,
      spec(path.join(labFixtures, 'hello'), ['sh', '-c', 'mkdir -p /tmp/prof/sub && echo cpu > /tmp/prof/sub/cpu.pprof && echo hi > /tmp/one.txt'], {
        artifacts: ['/tmp/one.txt', '/tmp/prof', '/tmp/missing.txt'],
        artifactsDir: out,
      }),
    );
    assert.strictEqual(result.exitCode, 0, result.stderr);
    assert.deepStrictEqual(Object.keys(result.artifacts).sort(), ['/tmp/one.txt', '/tmp/prof']);
    assert.strictEqual(fs.readFileSync(result.artifacts['/tmp/one.txt'], 'utf8'), 'hi\n');
    assert.strictEqual(fs.readFileSync(path.join(result.artifacts['/tmp/prof'], 'sub', 'cpu.pprof'), 'utf8'), 'cpu\n');
  });

  it('reuses the build cache volume on the second run', async function () {
    // Start cold: no container uses the volume between tests (afterEach checks that).
    await conn.docker
      .getVolume(GOCACHE_VOLUME)
      .remove()
      .catch(() => undefined);
    const run = () => runInLab(conn.docker, image, spec(path.join(labFixtures, 'race'), ['go', 'test', '-race', '-count=1', '.']));
    const cold = await run();
    const warm = await run();
    console.log(`      go test -race: cold cache ${(cold.durationMs / 1000).toFixed(1)} s, warm cache ${(warm.durationMs / 1000).toFixed(1)} s`);
    assert.match(cold.stdout + cold.stderr, /DATA RACE/);
    assert.match(warm.stdout + warm.stderr, /DATA RACE/);
  });

  it('builds a module whose dependency is only in the host module cache, without network', async function () {
    const result = await runInLab(
      conn.docker,
      image,
      spec(path.join(labFixtures, 'usesmod'), ['go', 'run', '.'], {
        hostModCache: path.join(labFixtures, 'modcache'),
        // A fresh module cache, so the module comes from the host cache and not from the
        // golab-gomodcache volume an earlier run filled.
        env: { GOMODCACHE: '/tmp/empty-modcache' },
      }),
    );
    assert.strictEqual(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /hello from example\.com\/greet/);
  });

  it('says that golab.lab.network allows downloading when a module is missing offline', async function () {
    const result = await runInLab(conn.docker, image, spec(path.join(labFixtures, 'missingmod'), ['go', 'build', '-o', '/tmp/m', '.'], { hostModCache: path.join(labFixtures, 'modcache') }));
    assert.notStrictEqual(result.exitCode, 0);
    assert.ok(result.stderr.includes(MISSING_MODULE_HINT), result.stderr);
  });

  it('fails with typed errors for a missing workspace and a missing image', async function () {
    await assert.rejects(
      runInLab(conn.docker, image, spec('/nonexistent/golab-workspace', ['true'])),
      (e: unknown) => e instanceof LabWorkspaceMissingError && e.message.includes('/nonexistent/golab-workspace'),
    );
    await assert.rejects(
      runInLab(conn.docker, 'golab-lab:does-not-exist', spec(path.join(labFixtures, 'hello'), ['true'])),
      (e: unknown) => e instanceof LabImageMissingError && e.message.includes('golab-lab:does-not-exist'),
    );
  });

  it('reuses the lab image until the Dockerfile changes, and shows the build log when a build fails', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-labdir-'));
    temps.push(dir);
    const base = (await ensureLocalBaseImage(conn.docker, { labDir })).tag;
    const dockerfile = fs.readFileSync(path.join(labDir, 'Dockerfile'), 'utf8');
    assert.strictEqual(await ensureLabImage(conn.docker, { baseImage: base, labDir }), image, 'same inputs, same image');

    fs.writeFileSync(path.join(dir, 'Dockerfile'), `${dockerfile}\nENV GOLAB_TEST_CHANGE=1\n`);
    const changed = await ensureLabImage(conn.docker, { baseImage: base, labDir: dir });
    assert.notStrictEqual(changed, image, 'a changed Dockerfile builds a new image');
    const again = performance.now();
    assert.strictEqual(await ensureLabImage(conn.docker, { baseImage: base, labDir: dir }), changed);
    console.log(`      cache check of an unchanged image: ${(performance.now() - again).toFixed(0)} ms`);
    await conn.docker.getImage(changed).remove();

    fs.writeFileSync(path.join(dir, 'Dockerfile'), `${dockerfile}\nRUN echo golab-before-failure && false\n`);
    await assert.rejects(ensureLabImage(conn.docker, { baseImage: base, labDir: dir }), (e: unknown) => {
      assert.ok(e instanceof LabImageBuildError, String(e));
      assert.match(e.log, /golab-before-failure/);
      assert.match(e.message, /golab-before-failure/);
      assert.match(e.message, /returned a non-zero code/);
      return true;
    });
  });

  it('removeLeftovers removes containers of dead owners and keeps those of live ones', async function () {
    const make = async (run: string, owner?: string) => {
      const c = await conn.docker.createContainer({
        Image: image,
        Cmd: ['sleep', '300'],
        Labels: { [LAB_LABEL]: '1', 'golab.run': run, ...(owner ? { [OWNER_LABEL]: owner } : {}) },
        HostConfig: { NetworkMode: 'none' },
      });
      await c.start();
      return c;
    };
    // A crashed editor: an owner pid that no longer exists (a finished child's pid), and an
    // old container with no owner label.
    const dead = spawnSync('true').pid;
    await make('leftover-dead', `${os.hostname()}/${dead}`);
    await make('leftover-unowned');
    // A live editor window: this process.
    const live = await make('in-use', ownerLabel());
    try {
      const removed = await removeLeftovers(conn.docker);
      assert.strictEqual(removed, 2);
      const kept = await conn.docker.listContainers({ all: true, filters: { label: [LAB_LABEL] } });
      assert.deepStrictEqual(kept.map((k) => k.Labels['golab.run']), ['in-use']);
    } finally {
      await live.remove({ force: true });
    }
    const left = await conn.docker.listContainers({ all: true, filters: { label: [LAB_LABEL] } });
    assert.strictEqual(left.length, 0);
    assert.strictEqual(await removeLeftovers(conn.docker), 0);
  });
});
