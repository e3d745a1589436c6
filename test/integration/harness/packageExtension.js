// @ts-check
// Builds the extension and packs it into a .vsix, the form users install, so the UI suite
// and the `open` flow test what ships rather than the development folder.
'use strict';
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');
const { promisify } = require('util');
const { repoRoot } = require('./codeServer');

const run = promisify(execFile);

/**
 * Packs the extension with `vsce package --no-dependencies` (the bundles carry their
 * dependencies; node_modules is not shipped). vsce runs the `vscode:prepublish` script,
 * the production build; without one, esbuild.js --production runs first.
 * Relative README links are left as they are: this .vsix is installed locally, never
 * published, so it needs no repository URL to make them absolute.
 * Afterwards dist/ gets the development build (source maps) back, as after `npm run build`.
 * Throws with the tools' output on failure.
 * @param {string} vsix  output file
 */
async function packageExtension(vsix) {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  /** @type {[string, string[]][]} */
  const steps = [];
  if (!pkg.scripts?.['vscode:prepublish']) steps.push([process.execPath, ['esbuild.js', '--production']]);
  steps.push([path.join(repoRoot, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '-o', vsix]]);
  steps.push([process.execPath, ['esbuild.js']]);
  for (const [cmd, args] of steps) {
    try {
      await run(cmd, args, { cwd: repoRoot, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = /** @type {Error & { stdout?: string, stderr?: string }} */ (err);
      throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
    }
  }
  return vsix;
}

module.exports = { packageExtension };
