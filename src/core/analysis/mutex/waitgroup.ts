/**
 * mutex/waitgroup: two misuses of sync.WaitGroup. `wg.Add` inside the goroutine it counts
 * races with `wg.Wait`, which may return before the goroutine has even started; and a
 * WaitGroup passed by value gives the callee a copy whose `Done` the caller never sees.
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { findDeclarationBelow, functionParamNames, indentationOf, nodeRange, toPosition } from '../syntax';
import type { Fix, Range, TextEdit } from '../types';
import { deleteStatement } from './edits';
import { isKnownWaitGroup } from './kinds';
import { innermost, unitContains, unitFunctions } from './unit';

const CODE = 'mutex/waitgroup';

function signatureRange(fn: Node, decl: Node): Range {
  if (decl.startPosition.row === fn.startPosition.row) return nodeRange(decl);
  const start = toPosition(fn.startPosition);
  return { start, end: { line: start.line, character: start.character + 4 } };
}

function byValueParams(ctx: RuleContext, fn: Node, out: RawFinding[]): void {
  for (const decl of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (decl?.type !== 'parameter_declaration') continue;
    const type = decl.childForFieldName('type');
    if (!type || type.type === 'pointer_type' || ctx.pkg.canonical(type.text, ctx.path) !== 'sync.WaitGroup') continue;
    const names = decl.childrenForFieldName('name').filter((n): n is Node => n !== null).map((n) => n.text);
    const at = toPosition(type.startPosition);
    out.push({
      code: CODE,
      message: `${names.length > 0 ? `parameter '${names.join("', '")}'` : 'an unnamed parameter'} takes a sync.WaitGroup by value: the callee's Add/Done change a copy, so the caller's Wait never sees them`,
      range: signatureRange(fn, decl),
      related: [],
      fixes: [{ title: `Pass a pointer '*${type.text}'`, edits: [{ range: { start: at, end: at }, newText: '*' }], isPreferred: true }],
    });
  }
}

/** Whether the root variable of `operand` is declared inside `lit` (then it is not the counted group). */
function declaredInside(operand: Node, lit: Node): boolean {
  let root: Node | null = operand;
  while (root && root.type === 'selector_expression') root = root.childForFieldName('operand');
  if (root?.type !== 'identifier') return true;
  if (functionParamNames(lit).some((n) => n.text === root.text)) return true;
  return findDeclarationBelow(root, root.text, lit) !== null;
}

function addInGoroutine(ctx: RuleContext, functions: readonly Node[], out: RawFinding[]): void {
  for (const go of ctx.scope.descendantsOfType('go_statement')) {
    const call = go?.namedChildren[0];
    const lit = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
    if (!go || lit?.type !== 'func_literal') continue;
    const litText = lit.text;
    if (!litText.includes('.Add(')) continue;
    const outer = innermost(functions, go);
    const outerText = outer?.text ?? '';
    for (const add of lit.descendantsOfType('call_expression')) {
      const callee = add?.childForFieldName('function');
      if (!add || callee?.type !== 'selector_expression' || callee.childForFieldName('field')?.text !== 'Add') continue;
      if (innermost(functions, add)?.id !== lit.id) continue;
      const operand = callee.childForFieldName('operand');
      const args = add.childForFieldName('arguments')?.namedChildren ?? [];
      if (!operand || args.length !== 1 || declaredInside(operand, lit)) continue;
      // An Add followed by a go statement in the same goroutine counts that inner goroutine.
      if (lit.descendantsOfType('go_statement').some((g) => g !== null && g.startIndex > add.endIndex)) continue;
      const wg = operand.text;
      // The type, or the names: Done in this goroutine and Wait in the function that starts it.
      const known = isKnownWaitGroup(ctx, lit, operand) || (litText.includes(`${wg}.Done()`) && outerText.includes(`${wg}.Wait()`));
      if (!known) continue;
      const fixes: Fix[] = [];
      const stmt = add.parent?.type === 'expression_statement' ? add.parent : null;
      const del = stmt ? deleteStatement(ctx.text, stmt) : undefined;
      const goLineStart = ctx.text.lastIndexOf('\n', go.startIndex - 1) + 1;
      if (del && /^[ \t]*$/.test(ctx.text.slice(goLineStart, go.startIndex))) {
        const at = { line: go.startPosition.row, character: 0 };
        const insert: TextEdit = { range: { start: at, end: at }, newText: `${indentationOf(ctx.text, go.startIndex)}${add.text}\n` };
        fixes.push({ title: `Move '${add.text}' before the go statement`, edits: [insert, del], isPreferred: true });
      }
      out.push({
        code: CODE,
        message: `'${add.text}' runs inside the goroutine it counts: '${wg}.Wait()' may return before the goroutine has started; call Add before the go statement`,
        range: nodeRange(add),
        related: [{ range: nodeRange(go.child(0) ?? go), message: 'goroutine started here' }],
        fixes,
      });
    }
  }
}

/** mutex/waitgroup. */
export const waitGroupRule: Rule = {
  meta: {
    code: CODE,
    summary: 'sync.WaitGroup misuse: Add inside the goroutine it counts, or a WaitGroup passed by value.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const out: RawFinding[] = [];
    const hasWaitGroup = unitContains(ctx, 'WaitGroup');
    const goAdd = unitContains(ctx, '.Add(') && unitContains(ctx, 'go func');
    if (!hasWaitGroup && !goAdd) return out;
    const functions = unitFunctions(ctx);
    for (const fn of functions) {
      ctx.file.checkDeadline();
      if (hasWaitGroup) byValueParams(ctx, fn, out);
    }
    if (goAdd) addInGoroutine(ctx, functions, out);
    return out;
  },
};
