/**
 * `golab race` end to end: the built CLI (dist/cli.js) runs go test -race in real lab
 * containers. Races come back at both accesses in JSON; a race-free module exits 0; an OOM
 * kill, an unreachable daemon and Ctrl+C each end with their exit status and message, and no
 * lab container is left.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DockerConnection } from '../../src/core/lab/docker';
import { BUILDING_MESSAGE, STARTED_MESSAGE } from '../../src/core/lab/profileMain';
import { distDir, fixtures } from '../support/paths';
import { assertNoLabContainers, connectOrExplain, labImage, slowBuildModule } from './helpers';

const cli = path.join(distDir, 'cli.js');

interface RaceJson {
  racesFound: number;
  oomKilled: boolean;
  findings: Array<{ file: string; line: number; message: string; related: Array<{ file: string; line: number }> }>;
  tests: Array<{ test: string | null; action: string }>;
}

function golab(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [cli, 'race', '--base-image', 'local', ...args], { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (r.error) throw r.error;
  return r;
}

describe('golab race (CLI, real dockerd)', function () {
  this.timeout(900_000);
  let conn: DockerConnection;
  before(async () => {
    conn = await connectOrExplain();
    await labImage(conn);
  });
  afterEach(async () => assertNoLabContainers(conn));

  it('reports both races of a test at their accesses in JSON, exit 1', () => {
    const r = golab(['--format', 'json'], path.join(fixtures, 'race', 'src', 'tworaces'));
    assert.strictEqual(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout) as RaceJson;
    assert.strictEqual(out.racesFound, 2);
    assert.deepStrictEqual(out.findings.map((f) => `${f.file}:${f.line}`).sort(), ['stats.go:12', 'stats.go:12', 'stats.go:17', 'stats.go:17']);
    for (const f of out.findings) assert.ok(f.related.some((x) => x.file === 'stats_test.go' && x.line === 13), JSON.stringify(f.related));
    assert.deepStrictEqual(out.tests.filter((t) => t.test).map((t) => `${t.test} ${t.action}`), ['TestStats fail']);
  });

  it('exits 0 on a race-free module, with the test output live on stderr in text mode', () => {
    const r = golab(['--memory', '512m', '--cpus', '1'], path.join(fixtures, 'race', 'src', 'clean'));
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout, '');
    assert.match(r.stderr, /golab: 0 data races, 0 failing tests \(.* s in the lab, 512 MiB, 1 CPU\)/);
  });

  it('says the run was OOM-killed under a small memory limit, exit 2', () => {
    const r = golab(['--memory', '256m', '--format', 'json'], path.join(fixtures, 'lab', 'hogtest'));
    assert.strictEqual(r.status, 2, r.stderr);
    assert.strictEqual((JSON.parse(r.stdout) as RaceJson).oomKilled, true);
    assert.match(r.stderr, /OOM killer: it needed more than the 256 MiB memory limit \(try --memory 512m\)/);
  });

  it('explains an unreachable Docker daemon, exit 2', () => {
    const r = golab([], path.join(fixtures, 'race', 'src', 'clean'), { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /golab: .*\/nonexistent\/docker\.sock/);
    assert.match(r.stderr, /dockerd|start/i);
  });

  it('removes the container and exits 130 on Ctrl+C mid-run', async () => {
    const child = spawn(process.execPath, [cli, 'race', '--base-image', 'local', '--run', 'TestWork'], {
      cwd: path.join(fixtures, 'lab', 'busy'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the run never started:\n${stderr}`)), 300_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('Running go test')) {
          clearTimeout(timer);
          // Give the container a moment to exist, then interrupt as a terminal would.
          setTimeout(() => {
            child.kill('SIGINT');
            resolve();
          }, 500);
        }
      });
    });
    assert.strictEqual(await exited, 130, stderr);
    assert.match(stderr, /interrupted, stopping/);
  });

  it('golab profile writes the profiles, an HTML flame graph each, and the top functions in JSON', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-cli-profile-'));
    try {
      const dir = path.join(out, 'run');
      const r = spawnSync(process.execPath, [cli, 'profile', '--base-image', 'local', '--test', '^TestHot$', '--kinds', 'cpu,heap', '--out', dir, '--format', 'json'], {
        cwd: path.join(fixtures, 'workspace', 'hot'),
        encoding: 'utf8',
        timeout: 600_000,
      });
      assert.strictEqual(r.status, 0, r.stderr);
      const json = JSON.parse(r.stdout) as { profiles: Array<{ kind: string; html: string; defaultSampleType: string; topCum: Array<{ name: string; file: string; line: number; percent: number }>; topFlat: unknown[] }> };
      assert.deepStrictEqual(json.profiles.map((p) => p.kind).sort(), ['cpu', 'heap']);
      const cpu = json.profiles.find((p) => p.kind === 'cpu');
      assert.ok(cpu && cpu.defaultSampleType === 'cpu');
      // Burn dominates the CPU: it is the top user function by cumulative time, at its source.
      const burn = cpu.topCum.find((t) => t.name.endsWith('hot.Burn'));
      assert.ok(burn && burn.percent > 50 && burn.file === 'hot.go', JSON.stringify(cpu.topCum.slice(0, 5)));
      assert.ok(cpu.topCum.length <= 20 && cpu.topFlat.length <= 20);
      const heap = json.profiles.find((p) => p.kind === 'heap');
      assert.ok(heap?.topCum.some((t) => t.name.endsWith('hot.Grow')), JSON.stringify(heap?.topCum.slice(0, 5)));
      for (const p of json.profiles) {
        const html = fs.readFileSync(p.html, 'utf8');
        assert.match(html, /Content-Security-Policy/);
        assert.match(html, /id="golab-profile"/);
      }
      assert.ok(fs.existsSync(path.join(dir, 'cpu.pb.gz')) && fs.existsSync(path.join(dir, 'manifest.json')));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('golab profile --main runs a program with its arguments and profiles it (JSON); a non-zero exit gives status 1', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-cli-profile-main-'));
    const workspace = path.join(fixtures, 'workspace');
    const profileMain = (dir: string, args: string[], format: string) =>
      spawnSync(process.execPath, [cli, 'profile', './hotmain', '--main', '--base-image', 'local', '--kinds', 'cpu,heap', '--out', dir, '--format', format, '--', ...args], { cwd: workspace, encoding: 'utf8', timeout: 600_000 });
    try {
      const dir = path.join(out, 'run');
      const r = profileMain(dir, ['hash', '1500'], 'json');
      assert.strictEqual(r.status, 0, r.stderr);
      const json = JSON.parse(r.stdout) as { exitCode: number; profiles: Array<{ kind: string; html: string; topCum: Array<{ name: string; file: string; percent: number }> }> };
      assert.deepStrictEqual(json.profiles.map((p) => p.kind).sort(), ['cpu', 'heap']);
      const hash = json.profiles.find((p) => p.kind === 'cpu')?.topCum.find((t) => t.name === 'main.hash');
      assert.ok(hash && hash.percent > 50 && hash.file === 'hotmain/work.go', JSON.stringify(json.profiles[0]?.topCum.slice(0, 5)));
      for (const p of json.profiles) assert.match(fs.readFileSync(p.html, 'utf8'), /id="golab-profile"/);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { label: string };
      assert.strictEqual(manifest.label, 'program ./hotmain hash 1500');

      const exited = profileMain(path.join(out, 'exit'), ['exit', '300'], 'text');
      assert.strictEqual(exited.status, 1, exited.stderr);
      assert.match(exited.stderr, /^hash \d+$/m);
      assert.match(exited.stderr, /golab: 2 profile\(s\) in .*; the program exited with status 3/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('golab profile --main: Ctrl+C stops the program and keeps its profiles (exit 0, JSON says stopped)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-cli-profile-stop-'));
    try {
      const dir = path.join(out, 'run');
      const child = spawn(process.execPath, [cli, 'profile', './hotmain', '--main', '--base-image', 'local', '--kinds', 'cpu', '--out', dir, '--format', 'json', '--', 'spin', '600000'], {
        cwd: path.join(fixtures, 'workspace'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const started = /the program runs with profiling on; Ctrl\+C stops it/;
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the program never started:\n${stderr}`)), 300_000);
          child.stderr.on('data', (d: Buffer) => {
            const before = stderr;
            stderr += d.toString();
            // In JSON mode golab says when the program runs; a few seconds of samples, then Ctrl+C.
            if (!started.test(before) && started.test(stderr)) {
              clearTimeout(timer);
              setTimeout(() => {
                child.kill('SIGINT');
                resolve();
              }, 3000);
            }
          });
        });
      } catch (e) {
        // Abandon the run as a user would (Ctrl+C twice), so that no container is left.
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 1000);
        await exited;
        throw e;
      }
      assert.strictEqual(await exited, 0, stderr);
      // JSON mode shows no program output, but says what the run is doing.
      assert.ok(stderr.indexOf('building the program') >= 0 && stderr.indexOf('building the program') < stderr.search(started), stderr);
      assert.match(stderr, /stopping \(SIGINT\); the results so far are kept/);
      assert.match(stderr, /golab: 1 profile\(s\) in .*; the program was stopped \(Ctrl\+C\)/);
      const json = JSON.parse(stdout) as { stopped: boolean; exitCode: number; profiles: Array<{ kind: string; topCum: Array<{ name: string; percent: number }> }> };
      assert.strictEqual(json.stopped, true);
      assert.strictEqual(json.exitCode, 130);
      const spin = json.profiles.find((p) => p.kind === 'cpu')?.topCum.find((t) => t.name === 'main.spin');
      assert.ok(spin && spin.percent > 50, JSON.stringify(json.profiles[0]?.topCum.slice(0, 5)));
      assert.ok(fs.existsSync(path.join(dir, 'cpu.html')));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('golab profile --main: Ctrl+C during the build ends it, exit 130, and writes nothing', async () => {
    const { dir: ws } = slowBuildModule('golab-cli-stopbuild-');
    try {
      const dir = path.join(ws, 'out', 'run');
      const child = spawn(process.execPath, [cli, 'profile', '.', '--main', '--base-image', 'local', '--kinds', 'cpu', '--out', dir], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.stderr.on('data', (d: Buffer) => {
        const before = stderr;
        stderr += d.toString();
        if (!before.includes(BUILDING_MESSAGE) && stderr.includes(BUILDING_MESSAGE)) child.kill('SIGINT');
      });
      assert.strictEqual(await exited, 130, stderr);
      assert.ok(stderr.includes(BUILDING_MESSAGE), stderr);
      assert.ok(!stderr.includes(STARTED_MESSAGE), stderr);
      assert.match(stderr, /golab: stopped during the build of the program: nothing was profiled/);
      assert.ok(!fs.existsSync(dir), 'no run folder');
      assert.deepStrictEqual(fs.readdirSync(path.join(ws, 'out')), [], 'nothing left where runs go');
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
