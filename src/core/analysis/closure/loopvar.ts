/**
 * closure/loopvar: a loop variable captured by a closure that outlives the iteration, in a
 * file whose Go version predates per-iteration loop variables (Go 1.22). Unlike go vet's
 * loopclosure, which only looks at the last statement of the loop body, this looks anywhere
 * in the body, and also at closures appended, sent, stored or run as parallel subtests.
 */
import type { Node } from '../parser';
import { atLeast, formatVersion } from '../goVersion';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { enclosingFunction, findDeclarationBelow, indentationOf, loopVariables, nodeRange } from '../syntax';
import type { Fix, TextEdit } from '../types';
import { classifyEscape, ESCAPE_PHRASE, type Escape, isDeclaringIdentifier } from './escape';
import { loopVariableType } from './loopvarType';

/** The loops between `fn` and its enclosing function whose body contains `fn`, innermost first. */
function enclosingLoops(fn: Node): Node[] {
  const stop = enclosingFunction(fn);
  const loops: Node[] = [];
  let child: Node = fn;
  for (let p = fn.parent; p && p.id !== stop?.id; child = p, p = p.parent) {
    if (p.type === 'for_statement' && p.childForFieldName('body')?.id === child.id) loops.push(p);
  }
  return loops;
}

/** Uses of loop variable `v` inside `fn` that really refer to it (not shadowed on the way). */
function referencesTo(v: Node, fn: Node, loop: Node): Node[] {
  const name = v.text;
  const out: Node[] = [];
  for (const id of fn.descendantsOfType('identifier')) {
    if (!id || id.text !== name || isDeclaringIdentifier(id)) continue;
    if (findDeclarationBelow(id, name, loop) === null) out.push(id);
  }
  return out;
}

function passAsArgumentFix(v: Node, type: string, fn: Node, call: Node): Fix | undefined {
  const params = fn.childForFieldName('parameters');
  const args = call.childForFieldName('arguments');
  if (!params || !args) return undefined;
  const hasParams = params.namedChildren.length > 0;
  const hasArgs = args.namedChildren.length > 0;
  const paramEnd = nodeRange(params).end;
  const argEnd = nodeRange(args).end;
  const before = (p: { line: number; character: number }) => ({ line: p.line, character: p.character - 1 });
  const edits: TextEdit[] = [
    { range: { start: before(paramEnd), end: before(paramEnd) }, newText: `${hasParams ? ', ' : ''}${v.text} ${type}` },
    { range: { start: before(argEnd), end: before(argEnd) }, newText: `${hasArgs ? ', ' : ''}${v.text}` },
  ];
  return { title: `Pass '${v.text}' to the closure as an argument`, edits, isPreferred: true };
}

function copyInBodyFix(ctx: RuleContext, v: Node, loop: Node): Fix | undefined {
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  const open = nodeRange(body).start;
  const insertAt = { line: open.line, character: open.character + 1 };
  const first = body.namedChildren[0]?.namedChildren[0] ?? body.namedChildren[0];
  let newText: string;
  if (first && first.startPosition.row > open.line) {
    newText = `\n${indentationOf(ctx.text, first.startIndex)}${v.text} := ${v.text}`;
  } else if (first) {
    newText = ` ${v.text} := ${v.text};`;
  } else {
    return undefined;
  }
  return {
    title: `Copy '${v.text}' for each iteration ('${v.text} := ${v.text}')`,
    edits: [{ range: { start: insertAt, end: insertAt }, newText }],
  };
}

function describeSite(escape: Escape): string {
  switch (escape.kind) {
    case 'go':
      return 'the closure runs as a goroutine started here';
    case 'defer':
      return 'the closure is deferred here and runs when the function returns';
    default:
      return `the closure outlives the iteration: ${ESCAPE_PHRASE[escape.kind]}`;
  }
}

export const loopvarRule: Rule = {
  meta: {
    code: 'closure/loopvar',
    summary: 'Loop variable captured by a closure that outlives the iteration (before Go 1.22).',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const { version } = ctx.version;
    if (atLeast(version, 1, 22)) return [];
    const findings: RawFinding[] = [];
    for (const fn of ctx.closures()) {
      ctx.file.checkDeadline();
      const escape = classifyEscape(fn);
      if (!escape) continue;
      for (const loop of enclosingLoops(fn)) {
        const vars = loopVariables(loop);
        vars.forEach((v, index) => {
          if (v.text === '_') return;
          const refs = referencesTo(v, fn, loop);
          if (refs.length === 0) return;
          const type = escape.call ? loopVariableType(loop, index) : undefined;
          const fixes: Fix[] = [];
          const argFix = type && escape.call ? passAsArgumentFix(v, type, fn, escape.call) : undefined;
          if (argFix) fixes.push(argFix);
          const copyFix = copyInBodyFix(ctx, v, loop);
          if (copyFix) fixes.push({ ...copyFix, isPreferred: !argFix });
          const seenLines = new Set<number>();
          for (const ref of refs) {
            if (seenLines.has(ref.startPosition.row)) continue;
            seenLines.add(ref.startPosition.row);
            findings.push({
              code: 'closure/loopvar',
              message:
                `loop variable '${v.text}' captured by ${ESCAPE_PHRASE[escape.kind]}: before Go 1.22 every ` +
                `iteration shares '${v.text}', so the closure may see a later value ` +
                `(Go ${formatVersion(version)}, from ${ctx.version.origin})`,
              range: nodeRange(ref),
              related: [
                { range: nodeRange(v), message: `loop variable '${v.text}' declared here, shared by all iterations` },
                { range: nodeRange(escape.site), message: describeSite(escape) },
              ],
              fixes,
            });
          }
        });
      }
    }
    return findings;
  },
};
