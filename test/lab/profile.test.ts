/**
 * Profiling in the lab against the real dockerd: go test with CPU, heap, mutex and block
 * profiles in a container, the profiles copied back into a new run folder with its manifest,
 * and nothing left in the read-only workspace or as a container.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DockerConnection } from '../../src/core/lab/docker';
import { LabCancelledError } from '../../src/core/lab/errors';
import { listProfileRuns, type ProfileKind, runProfile } from '../../src/core/lab/profile';
import { BUILDING_MESSAGE, type ProgramProfileRequest, runProfileMain, STARTED_MESSAGE } from '../../src/core/lab/profileMain';
import { decodeProfile } from '../../src/core/pprof/decode';
import { buildFlameProfile } from '../../src/core/pprof/model';
import { topFunctions } from '../../src/core/pprof/top';
import { fixtures } from '../support/paths';
import { assertNoLabContainers, connectOrExplain, labDir, labFixtures, labImage, MiB, slowBuildModule } from './helpers';

/** The fixture module holding the `hotmain` program. */
const fixtureWorkspace = path.join(fixtures, 'workspace');

/** Cumulative percent of the CPU profile's functions, by name. */
function cpuShares(file: string): Map<string, number> {
  const flame = buildFlameProfile(decodeProfile(fs.readFileSync(file)), 'cpu');
  return new Map(topFunctions(flame, flame.defaultType).map((r) => [r.name, r.cumPercent]));
}

/** The workspace's files and folders (recursively), to prove a run left nothing behind. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('profiling in the lab (real dockerd)', function () {
  this.timeout(900_000);
  let conn: DockerConnection;
  let out: string;
  before(async () => {
    conn = await connectOrExplain();
    await labImage(conn);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-profiles-'));
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));
  afterEach(async () => assertNoLabContainers(conn));

  it('writes the four profiles of a test into a new run folder with its manifest', async () => {
    const pkgDir = path.join(labFixtures, 'busy');
    const before = fs.readdirSync(pkgDir).sort();
    let output = '';
    const r = await runProfile(conn, {
      workspace: pkgDir,
      cwd: pkgDir,
      pkg: '.',
      run: '^TestWork$',
      kinds: ['cpu', 'heap', 'mutex', 'block'],
      label: 'TestWork',
      outRoot: out,
      lab: { limits: { memoryBytes: 512 * MiB, cpus: 2, pids: 256 }, network: false, timeoutMs: 300_000, image: { baseImage: 'local', labDir } },
      onOutput: (t) => (output += t),
    });
    assert.strictEqual(r.lab.exitCode, 0, output);
    assert.deepStrictEqual(Object.keys(r.manifest.profiles).sort(), ['block', 'cpu', 'heap', 'mutex']);
    for (const file of Object.values(r.manifest.profiles)) {
      const bytes = fs.readFileSync(path.join(r.dir, file));
      assert.ok(bytes.length > 20 && bytes[0] === 0x1f && bytes[1] === 0x8b, `${file} is not a gzipped profile`);
    }
    assert.match(output, /--- PASS: TestWork|PASS/);
    assert.strictEqual(r.manifest.packageDir, pkgDir);
    assert.deepStrictEqual(listProfileRuns(out).map((x) => x.dir), [r.dir]);
    // The workspace is mounted read-only: profiles never land in it.
    assert.deepStrictEqual(fs.readdirSync(pkgDir).sort(), before);
  });

  describe('a program (main package) with arguments', () => {
    const lab = (timeoutMs: number) => ({ limits: { memoryBytes: 512 * MiB, cpus: 2, pids: 256 }, network: false, timeoutMs, image: { baseImage: 'local', labDir } });
    /** Profiles the fixture program hotmain run with `args`; its output collected (and shown to `watch` as it grows). */
    const hotmain = async (args: string[], kinds: ProfileKind[], timeoutMs: number, extra: Pick<ProgramProfileRequest, 'stop' | 'stopGraceMs'> = {}, watch?: (output: string) => void) => {
      let output = '';
      const r = await runProfileMain(conn, {
        workspace: fixtureWorkspace,
        cwd: fixtureWorkspace,
        pkg: './hotmain',
        args,
        kinds,
        outRoot: out,
        lab: lab(timeoutMs),
        ...extra,
        onOutput: (t) => {
          output += t;
          watch?.(output);
        },
      });
      return { r, output };
    };

    it('profiles the function its arguments chose, into a run folder outside the workspace, leaving the workspace as it was', async () => {
      const before = tree(fixtureWorkspace);
      const { r, output } = await hotmain(['spin', '1500'], ['cpu', 'heap', 'mutex', 'block'], 300_000);
      assert.strictEqual(r.lab.exitCode, 0, output);
      assert.strictEqual(r.buildFailed, false);
      assert.match(output, /^spin \d+$/m);
      assert.strictEqual(r.manifest.label, 'program ./hotmain spin 1500');
      assert.deepStrictEqual(r.manifest.command.slice(-3), ['/tmp/golab-bin/hotmain', 'spin', '1500']);
      assert.strictEqual(r.manifest.packageDir, path.join(fixtureWorkspace, 'hotmain'));
      assert.deepStrictEqual(Object.keys(r.manifest.profiles).sort(), ['block', 'cpu', 'heap', 'mutex']);
      const shares = cpuShares(path.join(r.dir, r.manifest.profiles.cpu ?? ''));
      assert.ok((shares.get('main.spin') ?? 0) > 50, `spin should dominate: ${JSON.stringify([...shares].slice(0, 8))}`);
      assert.ok(!shares.has('main.hash'), 'hash was not chosen by the arguments');
      // The harness ran the renamed main: the program's own code is under it, at its real file.
      const flame = buildFlameProfile(decodeProfile(fs.readFileSync(path.join(r.dir, r.manifest.profiles.cpu ?? ''))), 'cpu');
      assert.ok(flame.functions.some((f) => f.name === 'main.spin' && f.file === '/workspace/hotmain/work.go'), 'spin at /workspace/hotmain/work.go');
      assert.ok(flame.functions.some((f) => f.name === 'main.golabProfiledMain'));
      assert.deepStrictEqual(listProfileRuns(out).map((x) => x.dir)[0], r.dir);
      assert.deepStrictEqual(tree(fixtureWorkspace), before, 'the overlay files are removed after the run');
    });

    it('still writes the profiles when the program ends with os.Exit (in a file other than main\'s)', async () => {
      const { r, output } = await hotmain(['exit', '800'], ['cpu', 'heap'], 300_000);
      assert.strictEqual(r.lab.exitCode, 3, output);
      assert.strictEqual(r.manifest.exitCode, 3);
      assert.deepStrictEqual(Object.keys(r.manifest.profiles).sort(), ['cpu', 'heap']);
      const shares = cpuShares(path.join(r.dir, r.manifest.profiles.cpu ?? ''));
      assert.ok((shares.get('main.hash') ?? 0) > 50, JSON.stringify([...shares].slice(0, 8)));
    });

    it('stops a program that would outlive the time limit and keeps its profiles, marked as timed out', async () => {
      const { r, output } = await hotmain(['spin', '600000'], ['cpu'], 25_000);
      assert.strictEqual(r.manifest.timedOut, true, output);
      assert.strictEqual(r.lab.exitCode, 124, output);
      assert.match(output, /time limit is near/);
      assert.ok(r.manifest.profiles.cpu, 'the CPU profile was written before the stop');
      assert.ok((cpuShares(path.join(r.dir, r.manifest.profiles.cpu)).get('main.spin') ?? 0) > 50);
    });

    it('keeps the profiles of a program the user stops (SIGINT), without waiting for the time limit', async () => {
      const stop = new AbortController();
      let stopping = false;
      // A grace far above the time the harness needs: a kill would show as exit 137.
      const { r, output } = await hotmain(['spin', '600000'], ['cpu', 'heap'], 600_000, { stop: stop.signal, stopGraceMs: 120_000 }, (o) => {
        // Stopped a few seconds after the program started: the CPU profile has samples.
        if (!stopping && o.includes(STARTED_MESSAGE)) {
          stopping = true;
          setTimeout(() => stop.abort(), 3000);
        }
      });
      assert.ok(stopping, `the harness says when the program runs:\n${output}`);
      assert.strictEqual(r.lab.stopped, true);
      assert.strictEqual(r.lab.exitCode, 130, output);
      assert.strictEqual(r.manifest.timedOut, false);
      assert.strictEqual(r.buildFailed, false);
      assert.deepStrictEqual(Object.keys(r.manifest.profiles).sort(), ['cpu', 'heap']);
      assert.ok((cpuShares(path.join(r.dir, r.manifest.profiles.cpu ?? '')).get('main.spin') ?? 0) > 50);
    });

    it('says the build failed without leaving the overlay in the workspace', async () => {
      const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-broken-'));
      try {
        fs.writeFileSync(path.join(ws, 'go.mod'), 'module example.com/broken\n\ngo 1.21\n');
        fs.writeFileSync(path.join(ws, 'main.go'), 'package main\n\nfunc main() { undefinedThing() }\n');
        let output = '';
        const r = await runProfileMain(conn, { workspace: ws, cwd: ws, pkg: '.', args: [], kinds: ['cpu'], lab: lab(300_000), onOutput: (t) => (output += t) });
        assert.strictEqual(r.buildFailed, true, output);
        assert.notStrictEqual(r.lab.exitCode, 0);
        assert.match(output, /undefined: undefinedThing/);
        assert.deepStrictEqual(r.manifest.profiles, {});
        // The run folder is the default one under .golab; the overlay folder is gone.
        assert.ok(r.dir.startsWith(path.join(ws, '.golab', 'profiles')));
        assert.deepStrictEqual(fs.readdirSync(path.join(ws, '.golab')).sort(), ['.gitignore', 'profiles']);
      } finally {
        fs.rmSync(ws, { recursive: true, force: true });
      }
    });

    it('cancels a run stopped before its container starts, without running anything', async () => {
      const stop = new AbortController();
      stop.abort();
      const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-stopfirst-'));
      try {
        let output = '';
        await assert.rejects(
          runProfileMain(conn, { workspace: fixtureWorkspace, cwd: fixtureWorkspace, pkg: './hotmain', args: ['spin', '600000'], kinds: ['cpu'], outRoot, lab: lab(300_000), stop: stop.signal, stopGraceMs: 120_000, onOutput: (t) => (output += t) }),
          LabCancelledError,
        );
        assert.strictEqual(output, '', 'nothing ran');
        assert.deepStrictEqual(fs.readdirSync(outRoot), [], 'no run folder');
      } finally {
        fs.rmSync(outRoot, { recursive: true, force: true });
      }
    });

    it('ends the build at once when stopped during it, and keeps no empty run', async () => {
      const { dir: ws, nonce } = slowBuildModule('golab-stopbuild-');
      try {
        const stop = new AbortController();
        let output = '';
        const r = await runProfileMain(conn, {
          workspace: ws,
          cwd: ws,
          pkg: '.',
          args: [],
          kinds: ['cpu'],
          lab: lab(300_000),
          stop: stop.signal,
          // The trap must end it: a kill at the end of the grace would show as exit 137.
          stopGraceMs: 120_000,
          onOutput: (t) => {
            output += t;
            if (output.includes(BUILDING_MESSAGE)) stop.abort();
          },
        });
        assert.ok(output.includes(BUILDING_MESSAGE), output);
        assert.ok(!output.includes(STARTED_MESSAGE) && !output.includes(nonce), `the program ran:\n${output}`);
        assert.strictEqual(r.lab.stopped, true);
        assert.strictEqual(r.lab.exitCode, 130, output);
        assert.strictEqual(r.stoppedInBuild, true);
        assert.strictEqual(r.buildFailed, false);
        assert.deepStrictEqual(r.manifest.profiles, {});
        assert.ok(!fs.existsSync(r.dir), 'the run folder is removed');
        assert.deepStrictEqual(fs.readdirSync(path.join(ws, '.golab', 'profiles')), [], 'no run is left to list');
      } finally {
        fs.rmSync(ws, { recursive: true, force: true });
      }
    });
  });
});
