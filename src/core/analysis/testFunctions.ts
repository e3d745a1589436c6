/**
 * Test, benchmark, fuzz and example functions of a `_test.go` file, found from its syntax tree
 * alone, so the Test Explorer and the CodeLenses appear as soon as a file is parsed, without
 * `go list` or a build. The rules follow `go test`'s: the name is `TestXxx` where Xxx does not
 * start with a lower-case letter, and the single parameter is `*testing.T` (B, F).
 */
import type { Node, Tree } from './parser';
import { nodeRange } from './syntax';
import type { Range } from './types';

export type TestKind = 'test' | 'benchmark' | 'fuzz' | 'example';

export interface GoTestFunction {
  kind: TestKind;
  name: string;
  /** The whole declaration. */
  range: Range;
  /** The function's name, where a CodeLens or a gutter icon belongs. */
  nameRange: Range;
  /** Subtests started with a literal name, `t.Run("name", ...)`, in source order. */
  subtests: GoSubtest[];
}

export interface GoSubtest {
  /** The name as `go test -run` matches it: spaces become underscores. */
  name: string;
  range: Range;
  subtests: GoSubtest[];
}

const PREFIXES: ReadonlyArray<[string, TestKind, string | undefined]> = [
  ['Test', 'test', 'T'],
  ['Benchmark', 'benchmark', 'B'],
  ['Fuzz', 'fuzz', 'F'],
  ['Example', 'example', undefined],
];

/** Whether `name` is `prefix` followed by nothing or by a character that is not lower case (as go test decides). */
function hasTestName(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  if (rest === '') return true;
  const c = rest[0];
  return c.toLowerCase() !== c || c.toUpperCase() === c;
}

/** The local name of the `testing` import, or undefined when the file does not import it. */
function testingName(root: Node): string | undefined {
  for (const spec of root.descendantsOfType('import_spec')) {
    if (spec?.childForFieldName('path')?.text.replace(/["`]/g, '') !== 'testing') continue;
    const alias = spec.childForFieldName('name');
    return alias ? alias.text : 'testing';
  }
  return undefined;
}

/** The single parameter's name when its type is `*<testing>.<letter>`, '' if unnamed, undefined otherwise. */
function testParam(fn: Node, testing: string, letter: string): string | undefined {
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => p?.type === 'parameter_declaration');
  if (params.length !== 1) return undefined;
  const type = params[0].childForFieldName('type');
  if (type?.text.replace(/\s+/g, '') !== `*${testing}.${letter}`) return undefined;
  return params[0].childForFieldName('name')?.text ?? '';
}

/** `go test -run` matches a subtest name with spaces replaced by underscores. */
function subtestName(literal: string): string {
  return literal.replace(/\s/g, '_');
}

/** Subtests `<t>.Run("name", func(t *testing.T) {...})` directly in `body`, recursively. */
function findSubtests(body: Node, t: string, testing: string): GoSubtest[] {
  const out: GoSubtest[] = [];
  const visit = (node: Node): void => {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'call_expression') {
        const callee = child.childForFieldName('function');
        const args = child.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => a !== null) ?? [];
        if (
          callee?.type === 'selector_expression' &&
          callee.childForFieldName('operand')?.text === t &&
          callee.childForFieldName('field')?.text === 'Run' &&
          args.length === 2 &&
          args[0].type === 'interpreted_string_literal' &&
          args[1].type === 'func_literal'
        ) {
          const inner = testParam(args[1], testing, 'T');
          const innerBody = args[1].childForFieldName('body');
          const name = subtestName(JSON.parse(args[0].text) as string);
          out.push({ name, range: nodeRange(child), subtests: inner && innerBody ? findSubtests(innerBody, inner, testing) : [] });
          continue;
        }
      }
      // A closure that shadows the parameter name has its own `t`; anything else is searched.
      if (child.type !== 'func_literal') visit(child);
    }
  };
  visit(body);
  return out;
}

export function findTestFunctions(tree: Tree): GoTestFunction[] {
  const root = tree.rootNode;
  const testing = testingName(root);
  const out: GoTestFunction[] = [];
  for (const fn of root.namedChildren) {
    if (fn?.type !== 'function_declaration' || fn.childForFieldName('type_parameters')) continue;
    const nameNode = fn.childForFieldName('name');
    if (!nameNode) continue;
    const name = nameNode.text;
    for (const [prefix, kind, letter] of PREFIXES) {
      if (!hasTestName(name, prefix)) continue;
      if (letter === undefined) {
        // Examples take no parameters and run only with an output comment; listed all the same.
        if ((fn.childForFieldName('parameters')?.namedChildCount ?? 1) !== 0) break;
        out.push({ kind, name, range: nodeRange(fn), nameRange: nodeRange(nameNode), subtests: [] });
        break;
      }
      if (!testing) break;
      const param = testParam(fn, testing, letter);
      if (param === undefined) break;
      const body = fn.childForFieldName('body');
      const subtests = kind === 'test' && param && body ? findSubtests(body, param, testing) : [];
      out.push({ kind, name, range: nodeRange(fn), nameRange: nodeRange(nameNode), subtests });
      break;
    }
  }
  return out;
}

/** Whether a file name is a Go test file. */
export function isTestFile(file: string): boolean {
  return file.endsWith('_test.go');
}
