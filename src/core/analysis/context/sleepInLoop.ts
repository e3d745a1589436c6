/**
 * context/sleep-in-loop: `time.Sleep` inside a loop of a function that has a context, with
 * nothing in the loop that watches the context (`select` on `ctx.Done()`, `ctx.Err()`):
 * cancellation waits for every remaining sleep and iteration. A goroutine literal that ignores
 * the context altogether is left to context/goroutine-no-ctx, which reports the `go` itself.
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { isFunction, nodeRange } from '../syntax';
import type { Fix } from '../types';
import { ignoresContext } from './goroutine';
import { type CtxSource, ctxDerivedNames, ctxExpression, ctxInScope, explainedAbove, fileInfo, inNilContextBranch, goStatementOf, lineIndent, packageCalls, sourceVisibleAt, unitInfo } from './scope';

const CODE = 'context/sleep-in-loop';

/** The innermost and outermost loops around `node` inside its own function, and that function. */
function loopAround(node: Node): { loop: Node | null; outermost: Node | null; fn: Node | null } {
  let loop: Node | null = null;
  let outermost: Node | null = null;
  for (let p = node.parent; p; p = p.parent) {
    if (isFunction(p)) return { loop, outermost, fn: p };
    if (p.type === 'for_statement') {
      loop ??= p;
      outermost = p;
    }
  }
  return { loop, outermost, fn: null };
}

/**
 * Whether the loop watches a context: any `.Done()` call, `.Err()` on a context (or anything
 * named like one), or a receive from a value derived from `ctx.Done()`.
 */
function watchesContext(loop: Node, derived: ReadonlySet<string>): boolean {
  for (const sel of loop.descendantsOfType('selector_expression')) {
    const field = sel?.childForFieldName('field')?.text;
    if (field === 'Done') return true;
    const operand = sel?.childForFieldName('operand');
    if (field === 'Err' && operand && (derived.has(operand.text) || /ctx|context/i.test(operand.text))) return true;
  }
  for (const recv of loop.descendantsOfType('unary_expression')) {
    const operand = recv?.childForFieldName('operand');
    if (recv?.childForFieldName('operator')?.text === '<-' && operand && derived.has(operand.text)) return true;
  }
  return false;
}

/** What a `return` in `fn` must say after cancellation, or undefined when no fix fits. */
function returnFor(fn: Node, source: CtxSource): string | undefined {
  const result = fn.childForFieldName('result');
  if (!result) return 'return';
  if (result.type === 'type_identifier') return result.text === 'error' ? `return ${ctxExpression(source)}.Err()` : undefined;
  if (result.type !== 'parameter_list') return undefined;
  const decls = result.namedChildren.filter((c): c is Node => c !== null && c.type === 'parameter_declaration');
  if (decls.length !== 1 || decls[0].childrenForFieldName('name').length > 1) return undefined;
  return decls[0].childForFieldName('type')?.text === 'error' ? `return ${ctxExpression(source)}.Err()` : undefined;
}

function selectFix(ctx: RuleContext, stmt: Node, call: Node, fn: Node, source: CtxSource): Fix | undefined {
  const ret = returnFor(fn, source);
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  const callee = call.childForFieldName('function')?.childForFieldName('operand')?.text;
  if (!ret || args.length !== 1 || !args[0] || !callee || !sourceVisibleAt(source, call)) return undefined;
  const indent = lineIndent(ctx.text, stmt);
  const ctxExpr = ctxExpression(source);
  const newText = [
    'select {',
    `${indent}case <-${ctxExpr}.Done():`,
    `${indent}\t${ret}`,
    `${indent}case <-${callee}.After(${args[0].text}):`,
    `${indent}}`,
  ].join('\n');
  return { title: `Wait with a select on ${ctxExpr}.Done()`, edits: [{ range: nodeRange(stmt), newText }], isPreferred: true };
}

/** context/sleep-in-loop: time.Sleep in a loop that never watches the context; fix: select. */
export const sleepInLoopRule: Rule = {
  meta: {
    code: CODE,
    summary: 'time.Sleep in a loop of a context-aware function without a select on ctx.Done().',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const info = fileInfo(ctx);
    if (!info.relevant) return [];
    const unit = unitInfo(ctx);
    if (unit.sources.size === 0) return [];
    const findings: RawFinding[] = [];
    for (const { call } of packageCalls(ctx, info, 'time', ['Sleep'])) {
      ctx.file.checkDeadline();
      const { loop, outermost, fn } = loopAround(call);
      if (!loop || !outermost || !fn) continue;
      const source = ctxInScope(unit, call);
      if (!source || inNilContextBranch(call, source)) continue;
      const derived = ctxDerivedNames(ctx, unit);
      // A watch in an outer loop bounds the inner one's sleeps too: quiet.
      if (watchesContext(outermost, derived)) continue;
      // A comment about the context above the sleep or its loop: the choice is deliberate.
      if (explainedAbove(ctx.text, call) || explainedAbove(ctx.text, loop)) continue;
      // The goroutine rule already reports a goroutine that never looks at the context.
      if (goStatementOf(fn) && ignoresContext(ctx, unit, fn)) continue;
      const stmt = call.parent?.type === 'expression_statement' ? call.parent : null;
      const fix = stmt?.parent?.type === 'statement_list' ? selectFix(ctx, stmt, call, fn, source) : undefined;
      const ctxExpr = ctxExpression(source);
      findings.push({
        code: CODE,
        message: `time.Sleep in a loop ignores '${ctxExpr}': after cancellation the loop still sleeps and runs on (select on ${ctxExpr}.Done() and a timer instead)`,
        range: nodeRange(call),
        related: [
          { range: nodeRange(loop.firstChild ?? loop), message: 'the loop' },
          { range: nodeRange(source.decl), message: `'${source.decl.text}' declared here` },
        ],
        fixes: fix ? [fix] : [],
      });
    }
    return findings;
  },
};
