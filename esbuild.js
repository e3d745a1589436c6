// Builds every bundle of the extension. Each front door (extension, server, CLI, webviews)
// is bundled on its own so that none drags another's dependencies into its load time.
// Usage: node esbuild.js [--watch] [--production]
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = __dirname;
const dist = path.join(root, 'dist');

/** Prints esbuild diagnostics in the form the VS Code `$esbuild-watch` problem matcher reads. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

/** The tree-sitter runtime and grammar are loaded at run time from next to the server bundle. */
function copyWasm() {
  fs.mkdirSync(dist, { recursive: true });
  for (const file of [
    require.resolve('web-tree-sitter/tree-sitter.wasm'),
    require.resolve('tree-sitter-go/tree-sitter-go.wasm'),
  ]) {
    fs.copyFileSync(file, path.join(dist, path.basename(file)));
  }
}

function listFiles(dir, pattern) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p, pattern));
    else if (pattern.test(entry.name)) out.push(p);
  }
  return out;
}

const nodeBase = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  sourcesContent: false,
  minify: production,
  logLevel: 'silent',
  plugins: [problemMatcher],
  // An `import` would pick web-tree-sitter's ESM build, whose import.meta.url is empty in a
  // CommonJS bundle; its CommonJS build locates the wasm through __dirname instead.
  alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') },
};

const configs = [
  {
    ...nodeBase,
    entryPoints: {
      extension: 'src/extension/main.ts',
      server: 'src/server/main.ts',
      analysisWorker: 'src/core/analysis/worker.ts',
    },
    outdir: dist,
    // ssh2 (under dockerode, for ssh:// Docker hosts) loads this optional native module in a
    // try/catch and does without it; bundling it is impossible (a .node binary).
    external: ['vscode', 'cpu-features'],
  },
  {
    ...nodeBase,
    // The CLI shares dist/analysisWorker.js with the server, built once by the config above.
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: dist,
    external: ['cpu-features'],
    banner: { js: '#!/usr/bin/env node' },
  },
  // The in-host integration suite runs inside the real extension host: vscode and mocha come
  // from the host and node_modules, not from the bundle.
  {
    ...nodeBase,
    entryPoints: { 'test/integration/index': 'test/integration/index.ts' },
    outdir: dist,
    external: ['vscode', 'mocha', 'cpu-features'],
    sourcemap: true,
  },
  // Unit tests and benchmarks run under plain Node; each file is its own bundle so mocha can
  // load them one by one.
  {
    ...nodeBase,
    entryPoints: [...listFiles('test/unit', /\.test\.ts$/), ...listFiles('test/lab', /\.test\.ts$/), ...listFiles('test/bench', /\.ts$/)],
    outdir: path.join(root, 'out'),
    outbase: root,
    external: ['mocha', 'web-tree-sitter', 'vscode-languageserver', 'vscode-languageserver-textdocument', 'dockerode', 'tar-stream', 'cpu-features', 'playwright-core'],
    sourcemap: true,
  },
];

// Webview code runs in the browser sandbox of a webview: its own IIFE bundle per view.
const webviewEntries = listFiles('src/webview', /^main\.ts$/);
if (webviewEntries.length > 0) {
  configs.push({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'silent',
    plugins: [problemMatcher],
    entryPoints: Object.fromEntries(webviewEntries.map((f) => [path.basename(path.dirname(f)), f])),
    outdir: path.join(dist, 'webview'),
  });
}

async function main() {
  copyWasm();
  const contexts = await Promise.all(
    configs.filter((c) => Object.keys(c.entryPoints).length > 0).map((c) => esbuild.context(c)),
  );
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  let failed = false;
  for (const ctx of contexts) {
    try {
      await ctx.rebuild();
    } catch {
      failed = true;
    }
    await ctx.dispose();
  }
  if (failed) process.exit(1);
  // `./dist/cli.js` should run from a checkout, not only once npm has linked the bin.
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
