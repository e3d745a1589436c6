#!/usr/bin/env node
// @ts-check
// Runs the test suites in order, each as a child process with its output passed through
// live, and ends with one line "N passed, N failed" summed over all of them (the line CI
// reads). Exit code 1 if anything failed.
//
// Usage: node test/runAll.js [suite ...]
//   suites: typecheck typecheck-webview lint build unit lab integration ui   (default: all, in this order)
// A suite that needs the build (unit, lab, integration) brings `build` along when it is not
// named. Benchmarks (test/bench) are not a suite here: they print figures, not verdicts.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { stripVTControlCharacters } = require('util');

const root = path.resolve(__dirname, '..');

/** A binary from node_modules/.bin, not `npx`, which would try to download a missing one. @param {string} name */
function bin(name) {
  return path.join(root, 'node_modules', '.bin', name);
}

/** A command word as a person would type it. @param {string} word */
function display(word) {
  if (word === process.execPath) return 'node';
  return word.startsWith(root + path.sep) ? path.relative(root, word) : word;
}

/**
 * How a suite's outcome is counted:
 *  - exit:    one check, passed when the command exits 0 (typecheck, lint, build)
 *  - mocha:   the counts of mocha's spec reporter epilogue ("N passing", "N failing")
 *  - summary: the command writes {"passed":N,"failed":N} to $GOLAB_SUMMARY_FILE
 * @typedef {{ name: string, command: string[], kind: 'exit'|'mocha'|'summary', needsBuild?: boolean, requires?: string }} Suite
 */

/** @type {Suite[]} */
const suites = [
  { name: 'typecheck', command: [bin('tsc'), '--noEmit', '-p', '.'], kind: 'exit' },
  // Webview code has its own project (DOM types, no Node types).
  { name: 'typecheck-webview', command: [bin('tsc'), '--noEmit', '-p', 'src/webview'], kind: 'exit' },
  { name: 'lint', command: [bin('eslint'), 'src', 'test'], kind: 'exit' },
  { name: 'build', command: [process.execPath, 'esbuild.js'], kind: 'exit' },
  {
    name: 'unit',
    // The spec reporter is forced so its epilogue can be counted, whatever .mocharc.json says.
    command: [bin('mocha'), '--reporter', 'spec'],
    kind: 'mocha',
    needsBuild: true,
    requires: '.mocharc.json',
  },
  {
    name: 'lab',
    // The lab runner against the real dockerd (test/lab): the first run makes the local base
    // image (debootstrap, about 1.5 min), hence the long timeout. --no-config: not the unit spec.
    command: [bin('mocha'), '--no-config', '--enable-source-maps', '--reporter', 'spec', '--timeout', '900000', 'out/test/lab/**/*.test.js'],
    kind: 'mocha',
    needsBuild: true,
  },
  { name: 'integration', command: [process.execPath, 'test/integration/harness/runInHost.js'], kind: 'summary', needsBuild: true },
  {
    name: 'ui',
    // --no-config: the UI suite is plain JS run in Node, not the unit suite of .mocharc.json.
    command: [bin('mocha'), '--no-config', '--reporter', 'spec', '--timeout', '600000', 'test/integration/ui/*.test.js'],
    kind: 'mocha',
  },
];

/**
 * Runs one command with its output passed through; resolves with its exit code and stdout.
 * @param {string[]} command
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ code: number, stdout: string }>}
 */
function run(command, env) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      stdout += chunk;
    });
    child.on('error', (err) => {
      console.error(`cannot run ${command[0]}: ${err.message}`);
      resolve({ code: 127, stdout });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
  });
}

/**
 * Counts of a mocha run from its spec reporter epilogue. A run that died before printing
 * one (a spec file that fails to load) or that ran nothing counts as one failure.
 * @param {string} stdout
 * @param {number} code
 */
function mochaCounts(stdout, code) {
  // Colour codes, if mocha decides the output is a terminal, must not hide the numbers.
  const text = stripVTControlCharacters(stdout);
  const count = (/** @type {string} */ word) => {
    const all = [...text.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const passed = count('passing');
  let failed = count('failing') ?? 0;
  const skipped = count('pending') ?? 0;
  let note = '';
  if (passed === undefined) {
    failed = Math.max(failed, 1);
    note = 'mocha printed no summary';
  } else if (code !== 0 && failed === 0) {
    failed = 1;
    note = `mocha exited with ${code}`;
  } else if (passed + failed === 0) {
    failed = 1;
    note = 'ran no test';
  }
  return { passed: passed ?? 0, failed, skipped, note };
}

/**
 * @param {Suite} suite
 * @returns {Promise<{ passed: number, failed: number, skipped: number, note: string }>}
 */
async function runSuite(suite) {
  if (suite.requires && !fs.existsSync(path.join(root, suite.requires))) {
    return { passed: 0, failed: 1, skipped: 0, note: `${suite.requires} is missing` };
  }
  const command = suite.command[0];
  if (path.isAbsolute(command) && !fs.existsSync(command)) {
    return { passed: 0, failed: 1, skipped: 0, note: `${path.relative(root, command)} is missing: run npm ci` };
  }
  const env = { ...process.env };
  let summaryFile = '';
  if (suite.kind === 'summary') {
    summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'golab-runall-')), 'summary.json');
    env.GOLAB_SUMMARY_FILE = summaryFile;
  }
  const { code, stdout } = await run(suite.command, env);
  switch (suite.kind) {
    case 'exit':
      return code === 0 ? { passed: 1, failed: 0, skipped: 0, note: '' } : { passed: 0, failed: 1, skipped: 0, note: `exit code ${code}` };
    case 'mocha':
      return mochaCounts(stdout, code);
    case 'summary': {
      let counts;
      try {
        counts = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
      } catch {
        return { passed: 0, failed: 1, skipped: 0, note: `wrote no summary (exit code ${code})` };
      } finally {
        fs.rmSync(path.dirname(summaryFile), { recursive: true, force: true });
      }
      const failed = counts.failed + (code !== 0 && counts.failed === 0 ? 1 : 0);
      return { passed: counts.passed, failed, skipped: 0, note: code !== 0 && counts.failed === 0 ? `exit code ${code}` : '' };
    }
  }
}

async function main() {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(' ')}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  let selected = names.length ? suites.filter((s) => names.includes(s.name)) : suites;
  if (selected.some((s) => s.needsBuild) && !selected.some((s) => s.name === 'build')) {
    selected = suites.filter((s) => s.name === 'build' || selected.includes(s));
  }

  /** @type {({ suite: string, seconds: number } & Awaited<ReturnType<typeof runSuite>>)[]} */
  const rows = [];
  let buildFailed = false;
  for (const suite of selected) {
    console.log(`\n=== ${suite.name}: ${suite.command.map(display).join(' ')}`);
    const started = Date.now();
    const result =
      suite.needsBuild && buildFailed
        ? { passed: 0, failed: 1, skipped: 0, note: 'not run: the build failed' }
        : await runSuite(suite);
    if (suite.name === 'build' && result.failed > 0) buildFailed = true;
    rows.push({ suite: suite.name, ...result, seconds: (Date.now() - started) / 1000 });
  }

  console.log('\n=== summary');
  for (const r of rows) {
    const verdict = r.failed ? 'FAIL' : 'ok  ';
    const skipped = r.skipped ? `, ${r.skipped} skipped` : '';
    console.log(
      `${verdict} ${r.suite.padEnd(12)} ${r.passed} passed, ${r.failed} failed${skipped}  (${r.seconds.toFixed(1)} s)${r.note ? `  ${r.note}` : ''}`,
    );
  }
  const total = (/** @type {'passed'|'failed'|'skipped'} */ k) => rows.reduce((n, r) => n + r[k], 0);
  const skipped = total('skipped');
  console.log(`${total('passed')} passed, ${total('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return total('failed') > 0 ? 1 : 0;
}

// Mocha's default spec is ./test/*.js, which includes this file: a mocha started without
// the project's .mocharc.json would run the whole suite recursively. Do nothing when loaded.
if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      console.log('0 passed, 1 failed');
      process.exit(1);
    },
  );
}
