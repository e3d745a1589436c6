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
