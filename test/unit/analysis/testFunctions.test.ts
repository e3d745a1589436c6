/** Test discovery from the syntax tree, by go test's own naming and signature rules. */
import * as assert from 'assert';
import { GoParser } from '../../../src/core/analysis/parser';
import { findTestFunctions } from '../../../src/core/analysis/testFunctions';

const SRC = `package p_test

import (
	tt "testing"
)

func TestAdd(t *tt.T) {
	t.Run("small numbers", func(t *tt.T) {
		t.Run("zero", func(t *tt.T) {})
	})
	name := "dynamic"
	t.Run(name, func(t *tt.T) {})
}

func Test(t *tt.T)          {}
func Test_under(t *tt.T)    {}
func Testlower(t *tt.T)     {}
func TestWrongParam(b *tt.B) {}
func TestTwo(t *tt.T, x int) {}
func BenchmarkSum(b *tt.B)  {}
func FuzzParse(f *tt.F)     {}
func ExampleAdd()           {}
func ExampleBad(x int)      {}
func TestGeneric[T any](t *tt.T) {}
func helper(t *tt.T)        {}
`;

describe('test functions (tree-sitter discovery)', () => {
  let parser: GoParser;
  before(async () => {
    parser = await GoParser.create();
  });

  it('lists tests, benchmarks, fuzz targets and examples as go test would', () => {
    const tree = parser.parse(SRC);
    try {
      const found = findTestFunctions(tree);
      assert.deepStrictEqual(
        found.map((f) => `${f.kind}:${f.name}`),
        ['test:TestAdd', 'test:Test', 'test:Test_under', 'benchmark:BenchmarkSum', 'fuzz:FuzzParse', 'example:ExampleAdd'],
      );
      const add = found[0];
      assert.strictEqual(add.nameRange.start.line, 6);
      assert.strictEqual(add.nameRange.start.character, 5);
      assert.deepStrictEqual(
        add.subtests.map((s) => [s.name, s.range.start.line, s.subtests.map((x) => x.name)]),
        [['small_numbers', 7, ['zero']]],
      );
    } finally {
      tree.delete();
    }
  });

  it('finds nothing without the testing import', () => {
    const tree = parser.parse('package p\n\nfunc TestX(t *testing.T) {}\n');
    try {
      assert.deepStrictEqual(findTestFunctions(tree), []);
    } finally {
      tree.delete();
    }
  });
});
