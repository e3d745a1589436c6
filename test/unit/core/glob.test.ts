import * as assert from 'assert';
import { isExcluded } from '../../../src/core/glob';

describe('exclude globs', () => {
  const defaults = ['**/vendor/**', '**/testdata/**'];
  it('matches directories at any depth', () => {
    assert.ok(isExcluded('vendor/x/y.go', defaults));
    assert.ok(isExcluded('a/b/testdata/x.go', defaults));
    assert.ok(isExcluded('a/testdata', defaults));
    assert.ok(!isExcluded('a/vendored/x.go', defaults));
    assert.ok(!isExcluded('main.go', defaults));
  });
  it('supports *, ? and {a,b}', () => {
    assert.ok(isExcluded('gen/x_gen.go', ['**/*_gen.go']));
    assert.ok(!isExcluded('gen/x_gen.go.txt', ['**/*_gen.go']));
    assert.ok(isExcluded('a1.go', ['a?.go']));
    assert.ok(isExcluded('z/b.pb.go', ['**/*.{pb,gen}.go']));
  });
});

describe('listGoFiles', () => {
  it('does not follow directory links (no cycles), and reports unreadable places', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const path = await import('path');
    const { listGoFiles } = await import('../../../src/core/analysis/workspace');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-list-'));
    try {
      fs.mkdirSync(path.join(root, 'a', 'vendor'), { recursive: true });
      fs.writeFileSync(path.join(root, 'a', 'x.go'), 'package a');
      fs.writeFileSync(path.join(root, 'a', 'vendor', 'v.go'), 'package v');
      fs.writeFileSync(path.join(root, 'a', 'notes.txt'), '');
      fs.symlinkSync(root, path.join(root, 'a', 'loop')); // a cycle if followed
      fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'a', 'dangling.go'));
      const errors: string[] = [];
      const files = listGoFiles(['.'], ['**/vendor/**'], root, (p) => errors.push(path.relative(root, p)));
      assert.deepStrictEqual(files.map((f) => path.relative(root, f)), ['a/x.go']);
      assert.deepStrictEqual(errors, ['a/dangling.go']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
