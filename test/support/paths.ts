/** Paths tests need, found from the repository root rather than from the bundle's location. */
import * as fs from 'fs';
import * as path from 'path';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'esbuild.js'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`repository root not found above ${start}`);
  }
}

export const repoRoot = findRoot(__dirname);
export const fixtures = path.join(repoRoot, 'test', 'fixtures');
export const distDir = path.join(repoRoot, 'dist');
