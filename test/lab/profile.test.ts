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
import { listProfileRuns, runProfile } from '../../src/core/lab/profile';
import { assertNoLabContainers, connectOrExplain, labDir, labFixtures, labImage, MiB } from './helpers';

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
});
