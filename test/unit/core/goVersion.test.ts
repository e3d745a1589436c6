import * as assert from 'assert';
import * as path from 'path';
import { buildConstraintVersion, GoVersionResolver, parseGoModVersion } from '../../../src/core/analysis/goVersion';

describe('go version lookup', () => {
  it('reads the go line in its 1.21 / 1.21.5 / 1.22.0 / rc forms', () => {
    assert.deepStrictEqual(parseGoModVersion('module m\n\ngo 1.21\n'), { major: 1, minor: 21 });
    assert.deepStrictEqual(parseGoModVersion('module m\ngo 1.21.5 // pinned\n'), { major: 1, minor: 21 });
    assert.deepStrictEqual(parseGoModVersion('module m\n\ngo 1.22.0\ntoolchain go1.23.1\n'), { major: 1, minor: 22 });
    assert.deepStrictEqual(parseGoModVersion('go 1.21rc2\n'), { major: 1, minor: 21 });
    assert.strictEqual(parseGoModVersion('module m\n// go 1.22\n'), undefined);
    assert.strictEqual(parseGoModVersion('module m\ntoolchain go1.22.0\n'), undefined);
  });

  it('derives the minimum version of a //go:build expression', () => {
    assert.deepStrictEqual(buildConstraintVersion('//go:build go1.22\n\npackage p\n'), { major: 1, minor: 22 });
    assert.deepStrictEqual(buildConstraintVersion('//go:build linux && go1.21\npackage p\n'), { major: 1, minor: 21 });
    assert.deepStrictEqual(buildConstraintVersion('//go:build go1.21 || go1.23\npackage p\n'), { major: 1, minor: 21 });
    assert.deepStrictEqual(buildConstraintVersion('//go:build (go1.20 && amd64) && go1.22\npackage p\n'), { major: 1, minor: 22 });
    assert.strictEqual(buildConstraintVersion('//go:build !go1.22\npackage p\n'), undefined);
    assert.strictEqual(buildConstraintVersion('//go:build go1.22 || linux\npackage p\n'), undefined);
    assert.strictEqual(buildConstraintVersion('package p\n//go:build go1.22\n'), undefined, 'after the package clause it is not a constraint');
  });

  it('resolves the nearest go.mod and lets //go:build override it', () => {
    const files: Record<string, string> = {
      '/w/go.mod': 'module w\ngo 1.21\n',
      '/w/sub/go.mod': 'module sub\ngo 1.22.0\n',
    };
    let reads = 0;
    const r = new GoVersionResolver((f) => {
      reads++;
      return files[f];
    });
    assert.deepStrictEqual(r.resolve('/w/a/b/x.go', 'package x').version, { major: 1, minor: 21 });
    assert.deepStrictEqual(r.resolve('/w/sub/y.go', 'package y').version, { major: 1, minor: 22 });
    assert.deepStrictEqual(r.resolve('/w/sub/z.go', '//go:build go1.21\n\npackage z').version, { major: 1, minor: 21 });
    assert.strictEqual(r.resolve('/w/sub/z.go', 'package z').goModPath, path.join('/w/sub/go.mod'));
    assert.strictEqual(r.resolve('/elsewhere/q.go', 'package q').origin, 'no go.mod: GOPATH mode');
    const before = reads;
    r.resolve('/w/a/b/other.go', 'package x');
    assert.strictEqual(reads, before, 'a second file in a known directory reads nothing');
    files['/w/go.mod'] = 'module w\ngo 1.23\n';
    r.invalidate('/w/go.mod');
    assert.deepStrictEqual(r.resolve('/w/a/b/x.go', 'package x').version, { major: 1, minor: 23 });
  });
});
