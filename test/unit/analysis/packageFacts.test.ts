/**
 * Type facts read from the text (the fast path a keystroke takes) agree with those read from
 * the tree; a method of a sibling file that locks its receiver makes a caller holding that
 * lock a double lock; and the memo of an open document does not keep a finding (or its
 * absence) that a sibling's change made wrong.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AnalysisMemo, analyzeTree } from '../../../src/core/analysis/analyze';
import { analyzePackage } from '../../../src/core/analysis/file';
import { GoVersionResolver } from '../../../src/core/analysis/goVersion';
import { GoParser } from '../../../src/core/analysis/parser';
import { extractTypeFacts, PackageIndex } from '../../../src/core/analysis/types/index';
import { goRoot } from '../../bench/lib/common';
import { fixtures } from '../../support/paths';

const A = `package p

import "sync"

type S struct{ mu sync.Mutex }

func (s *S) Outer() {
	s.mu.Lock()
	s.Inner()
	s.mu.Unlock()
}
`;
const B = `package p

func (s *S) Inner() {
	s.mu.Lock()
	defer s.mu.Unlock()
}
`;
const B_NO_LOCK = `package p

func (s *S) Inner() {
}
`;

describe('package facts', () => {
  let parser: GoParser;
  const resolver = new GoVersionResolver();
  before(async () => {
    parser = await GoParser.create();
  });

  it('reads the same facts from the text as from the tree (fixtures and net/http, sync)', () => {
    const files = [
      ...fs.readdirSync(path.join(fixtures, 'analysis', 'mutex', 'locks')).filter((f) => f.endsWith('.go')).map((f) => path.join(fixtures, 'analysis', 'mutex', 'locks', f)),
      ...['net/http/server.go', 'net/http/transport.go', 'sync/rwmutex.go', 'database/sql/sql.go'].map((f) => path.join(goRoot(), 'src', f)),
    ];
    let methods = 0;
    let locking = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const tree = parser.parse(text);
      try {
        const fromText = extractTypeFacts(tree, file, text);
        assert.deepStrictEqual(fromText, extractTypeFacts(tree, file), file);
        // Twice: the second read comes from the per-declaration caches.
        assert.deepStrictEqual(extractTypeFacts(tree, file, text), fromText, `${file} (cached)`);
        methods += fromText.methods.length;
        locking += fromText.methods.filter((m) => m.locks).length;
      } finally {
        tree.delete();
      }
    }
    assert.ok(methods > 300 && locking > 20, `few methods seen: ${methods}, ${locking} locking`);
  });

  it('finds a double lock through a method declared in a sibling file', () => {
    const opts = { maxFileSizeMB: 10, parseTimeoutMs: 5000 };
    const [a] = analyzePackage(parser, resolver, [{ file: '/p/a.go', text: A }, { file: '/p/b.go', text: B }], opts);
    assert.deepStrictEqual(a.findings.map((f) => [f.code, f.range.start.line]), [['mutex/double-lock', 8]]);
    const [alone] = analyzePackage(parser, resolver, [{ file: '/p/a.go', text: A }, { file: '/p/b.go', text: B_NO_LOCK }], opts);
    assert.deepStrictEqual(alone.findings, []);
  });

  it('re-analyses a memoised declaration when a sibling method starts or stops locking', () => {
    const a = parser.parse(A);
    const trees = [parser.parse(B), parser.parse(B_NO_LOCK)];
    const memo = new AnalysisMemo();
    try {
      const version = resolver.resolve('/p/a.go', A);
      const run = (b: number) => {
        const pkg = new PackageIndex([extractTypeFacts(a, '/p/a.go', A), extractTypeFacts(trees[b], '/p/b.go', b === 0 ? B : B_NO_LOCK)]);
        return analyzeTree(a, A, { version, path: '/p/a.go', pkg }, memo).map((f) => f.code);
      };
      assert.deepStrictEqual(run(0), ['mutex/double-lock']);
      assert.deepStrictEqual(run(1), []);
      assert.deepStrictEqual(run(0), ['mutex/double-lock']);
    } finally {
      memo.dispose();
      a.delete();
      trees.forEach((t) => t.delete());
    }
  });
});
