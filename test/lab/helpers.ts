/**
 * Shared set-up of the lab suites: a connection to the real dockerd (failing loudly with the
 * install command when there is none: these tests never skip), the lab image built once per
 * process on the `local` base, the check that no lab container outlives a test, and a module
 * whose build is slow enough to be stopped midway.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { connectDocker, type DockerConnection } from '../../src/core/lab/docker';
import { DockerUnavailableError } from '../../src/core/lab/errors';
import { ensureLabImage } from '../../src/core/lab/image';
import { LAB_LABEL } from '../../src/core/lab/runner';
import { fixtures, repoRoot } from '../support/paths';

export const labDir = path.join(repoRoot, 'lab');
export const labFixtures = path.join(fixtures, 'lab');
export const MiB = 1024 * 1024;

/** Connects to the real daemon or throws what to do about it. */
export async function connectOrExplain(): Promise<DockerConnection> {
  try {
    return await connectDocker({}, 5000);
  } catch (e) {
    const why = e instanceof DockerUnavailableError ? e.message : String(e);
    throw new Error(
      `The lab tests need a running Docker daemon and could not reach one:\n  ${why}\n` +
        'Install and start it with `bash .ci/setup` (as root on Debian: apt-get install -y docker.io debootstrap, then dockerd &).',
      { cause: e },
    );
  }
}

let image: Promise<string> | undefined;

/** The lab image on the `local` base, built (or found) once per test process. */
export function labImage(conn: DockerConnection): Promise<string> {
  image ??= (async () => {
    const t0 = performance.now();
    let last = -10;
    const tag = await ensureLabImage(conn.docker, { baseImage: 'local', labDir }, (p) => {
      // A line per 10% (debootstrap reports every package), so the log stays readable.
      const pct = p.percent ?? last;
      if (pct >= last + 10 || pct < last) {
        last = pct;
        console.log(`      [image] ${pct}% ${p.message}`);
      }
    });
    console.log(`      [image] ${tag} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return tag;
  })();
  return image;
}

/** Asserts that no container labelled `golab` exists (what `docker ps -a --filter label=golab` lists). */
export async function assertNoLabContainers(conn: DockerConnection): Promise<void> {
  const left = await conn.docker.listContainers({ all: true, filters: { label: [LAB_LABEL] } });
  assert.deepStrictEqual(
    left.map((c) => `${c.Names.join(',')} ${c.State}`),
    [],
    'a lab container outlived its test',
  );
}

/**
 * A new module (a temporary folder) holding a program whose build outlasts a stop's trip to
 * the container: a constant no earlier build had, so nothing of it is in the build cache, and
 * net/http to link (a second or more). Returns its folder and the constant the program prints.
 */
export function slowBuildModule(prefix: string): { dir: string; nonce: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const nonce = `${Date.now()}-${process.pid}`;
  fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/stopbuild\n\ngo 1.21\n');
  fs.writeFileSync(path.join(dir, 'main.go'), `package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\nconst nonce = "${nonce}"\n\nfunc main() { fmt.Println(nonce, http.StatusOK) }\n`);
  return { dir, nonce };
}
