/** Runs the built CLI (dist/cli.js) as a child process, the way users and CI run it. */
import { spawnSync } from 'child_process';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { distDir, fixtures } from '../../support/paths';

export const cliPath = path.join(distDir, 'cli.js');
export const cliFixtures = path.join(fixtures, 'cli');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Fails with a hint when the bundle is missing, instead of a confusing spawn error. */
export function assertCliBuilt(): void {
  assert.ok(fs.existsSync(cliPath), `${cliPath} not found: run \`node esbuild.js\` before the unit tests`);
}

/** Runs `node dist/cli.js ...args` in `cwd` with colours off and a clean NO_COLOR state. */
export function runCli(args: readonly string[], cwd = cliFixtures): CliRun {
  const env = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parses stdout as JSON, showing the output on failure. */
export function parseStdout<T>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch (e) {
    throw new Error(`stdout is not JSON (${(e as Error).message}):\n${run.stdout}\nstderr:\n${run.stderr}`, { cause: e });
  }
}
