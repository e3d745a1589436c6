/** The type index: imports, lock-holding types across files, declared types of expressions. */
import * as assert from 'assert';
import { GoParser, type Node, type Tree } from '../../../src/core/analysis/parser';
import { extractTypeFacts, FunctionTypes, PackageIndex } from '../../../src/core/analysis/types/index';

const A = `package p

import (
	s "sync"
	"sync/atomic"
	"net/http"
	yaml "gopkg.in/yaml.v3"
	"example.com/mod/v2"
)

type Counter struct {
	mu s.Mutex
	n  int
}

type Outer struct {
	inner [2]Counter
	name  string
}

type Shared struct {
	c *Counter
	m map[string]Counter
}

type Named s.RWMutex
type Gen[T any] struct{ v atomic.Pointer[T] }
type Embeds struct {
	*Counter
	Plain
}
type noCopy struct{}
type Guarded struct{ _ noCopy }

func (c *Counter) Inc() {}
func (c Counter) Get() int { return c.n }

func f(r *http.Request, c Counter, xs []Counter) {
	a := Counter{}
	b := &Outer{}
	d := new(Shared)
	var e Embeds
	g := a
	_ = r.Context()
	_, _, _, _, _ = a, b.inner, d.c, e.mu, g
	go func() { _ = c.mu }()
	_ = yaml.Node{}
	_ = v2.X
}
`;
const B = `package p

type Plain struct{ wg Group }
type Group = sync.WaitGroup
`;

describe('type index', () => {
  let parser: GoParser;
  let trees: Tree[];
  let index: PackageIndex;
  before(async () => {
    parser = await GoParser.create();
    trees = [parser.parse(A), parser.parse(B)];
    index = new PackageIndex([extractTypeFacts(trees[0], '/p/a.go'), extractTypeFacts(trees[1], '/p/b.go')]);
  });
  after(() => trees.forEach((t) => t.delete()));

  it('reads import aliases and default names', () => {
    const imports = index.imports('/p/a.go');
    assert.strictEqual(imports.get('s'), 'sync');
    assert.strictEqual(imports.get('http'), 'net/http');
    assert.strictEqual(imports.get('yaml'), 'gopkg.in/yaml.v3');
    assert.strictEqual(imports.get('mod'), 'example.com/mod/v2');
    assert.strictEqual(index.canonical('*s.Mutex', '/p/a.go'), '*sync.Mutex');
    assert.strictEqual(index.canonical('*http.Request', '/p/a.go'), '*net/http.Request');
  });

  it('finds locks held by value, transitively and across files, never through pointers or maps', () => {
    assert.deepStrictEqual(index.lockIn('Counter'), { kind: 'sync.Mutex', path: ['mu'] });
    assert.deepStrictEqual(index.lockIn('Outer'), { kind: 'sync.Mutex', path: ['inner', 'mu'] });
    assert.deepStrictEqual(index.lockIn('Named'), { kind: 'sync.RWMutex', path: [] });
    assert.deepStrictEqual(index.lockIn('Gen[int]'), { kind: 'sync/atomic.Pointer', path: ['v'] });
    assert.deepStrictEqual(index.lockIn('Guarded'), { kind: 'noCopy', path: ['_'] });
    assert.strictEqual(index.lockIn('Shared'), undefined);
    // Embeds holds Plain by value (whose wg is a WaitGroup) and *Counter, which is shared.
    assert.deepStrictEqual(index.lockIn('Embeds'), { kind: 'sync.WaitGroup', path: ['Plain', 'wg'] });
    assert.strictEqual(index.lockIn('*Counter'), undefined);
    assert.strictEqual(index.lockIn('[]Counter'), undefined);
    assert.deepStrictEqual(index.lockIn('[4]Counter'), { kind: 'sync.Mutex', path: ['mu'] });
    assert.strictEqual(index.lockIn('string'), undefined);
  });

  it('knows methods and their receivers', () => {
    assert.deepStrictEqual([...index.methodsOf('*Counter')].map(([n, m]) => [n, m.pointer]), [
      ['Inc', true],
      ['Get', false],
    ]);
  });

  it('types expressions from declarations, composite literals, new, selectors and closures', () => {
    const fn = trees[0].rootNode.namedChildren.find((n) => n?.type === 'function_declaration') as Node;
    const types = new FunctionTypes(index, '/p/a.go', fn);
    const exprs = new Map<string, Node>();
    for (const stmt of fn.descendantsOfType('expression_list')) {
      if (stmt?.parent?.type === 'assignment_statement') for (const e of stmt.namedChildren) if (e) exprs.set(e.text, e);
    }
    assert.strictEqual(types.typeOf(exprs.get('a')!), 'Counter');
    assert.strictEqual(types.typeOf(exprs.get('b.inner')!), '[2]Counter');
    assert.strictEqual(types.typeOf(exprs.get('d.c')!), '*Counter');
    assert.strictEqual(types.typeOf(exprs.get('e.mu')!), 'sync.Mutex', 'promoted through the embedded *Counter');
    assert.strictEqual(types.typeOf(exprs.get('g')!), 'Counter', 'a copy of a known variable');
    assert.strictEqual(types.typeOf(exprs.get('yaml.Node{}')!), 'gopkg.in/yaml.v3.Node');
    assert.deepStrictEqual(types.paramsOfType('*net/http.Request').map((n) => n.text), ['r']);
    const closure = fn.descendantsOfType('func_literal')[0] as Node;
    const inner = new FunctionTypes(index, '/p/a.go', closure);
    const cmu = closure.descendantsOfType('selector_expression')[0] as Node;
    assert.strictEqual(inner.typeOf(cmu), 'sync.Mutex', 'a closure sees the parameters of its function');
  });
});
