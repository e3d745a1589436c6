/**
 * context/background: `context.Background()` or `context.TODO()` called where the function
 * (or a function around a closure) already has a context — a `context.Context` parameter or
 * an `*http.Request` whose `r.Context()` is available. The fresh root context drops the
 * caller's deadline, cancellation and values.
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { nodeRange } from '../syntax';
import type { Fix } from '../types';
import { type CtxSource, ctxExpression, ctxInScope, fileInfo, explainedAbove, inNilContextBranch, innermostFunction, outlivesSource, packageCalls, sourceVisibleAt, unitInfo } from './scope';

const CODE = 'context/background';

/** Calls whose results outlive the function when assigned to a field: `s.ctx, s.cancel = context.WithCancel(...)`. */
const WITH_FUNCS = new Set(['WithCancel', 'WithTimeout', 'WithDeadline', 'WithCancelCause', 'WithTimeoutCause', 'WithDeadlineCause', 'WithValue', 'WithoutCancel']);

/** Whether the results of `call` are stored in a field, a map or an element (they outlive the call). */
function storedBeyondCall(call: Node): boolean {
  const list = call.parent;
  const stmt = list?.parent;
  if (list?.type !== 'expression_list' || stmt?.type !== 'assignment_statement') return false;
  return (stmt.childForFieldName('left')?.namedChildren ?? []).some((t) => t?.type === 'selector_expression' || t?.type === 'index_expression');
}


/**
 * Whether a fresh context is what the code means, which is the idiom rather than a bug:
 * - inside a deferred closure: cleanup must run although the caller's context may be done;
 * - after the function has seen `.Done()` fire: graceful shutdown needs a context of its own;
 * - a nil-context fallback (`if ctx == nil { ctx = context.Background() }`);
 * - compared, not used (`ctx != context.Background()`);
 * - the root of a context stored in a struct (a field, a composite literal): it outlives the call;
 * - the line is explained by a comment about the context just above it;
 * - in a goroutine that may outlive the context (fire-and-forget work from a handler).
 */
function deliberateDetach(text: string, call: Node, source: CtxSource): boolean {
  const parent = call.parent;
  if (!parent) return false;
  if (parent.type === 'binary_expression') return true;
  if (parent.type === 'literal_element' || parent.type === 'keyed_element') return true;
  if (parent.type === 'argument_list') {
    const outer = parent.parent;
    const callee = outer?.childForFieldName('function');
    const name = callee?.type === 'selector_expression' ? callee.childForFieldName('field')?.text : undefined;
    if (outer && name && WITH_FUNCS.has(name) && storedBeyondCall(outer)) return true;
    if (outer?.parent?.type === 'literal_element' || outer?.parent?.type === 'keyed_element') return true;
  }
  if (inNilContextBranch(call, source) || explainedAbove(text, call) || outlivesSource(call, source)) return true;
  const fn = innermostFunction(call);
  if (!fn) return false;
  if (fn.type === 'func_literal' && fn.parent?.parent?.type === 'defer_statement') return true;
  const body = fn.childForFieldName('body');
  return body !== null && text.slice(body.startIndex, call.startIndex).includes('.Done()');
}

/** context/background: Background/TODO where a context is already in scope; fix: use it. */
export const backgroundRule: Rule = {
  meta: {
    code: CODE,
    summary: 'context.Background()/TODO() used where a context parameter (or r.Context()) is in scope.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const info = fileInfo(ctx);
    if (!info.localNames.has('context')) return [];
    const unit = unitInfo(ctx);
    if (unit.sources.size === 0) return [];
    const findings: RawFinding[] = [];
    for (const { call, field } of packageCalls(ctx, info, 'context', ['Background', 'TODO'])) {
      ctx.file.checkDeadline();
      const source = ctxInScope(unit, call);
      if (!source || deliberateDetach(ctx.text, call, source)) continue;
      const replacement = ctxExpression(source);
      const fixes: Fix[] = [];
      // Writing the name where a local shadows it would hand over a different value.
      if (sourceVisibleAt(source, call)) {
        fixes.push({ title: `Use '${replacement}' instead`, edits: [{ range: nodeRange(call), newText: replacement }], isPreferred: true });
      }
      const what = source.kind === 'param' ? `context parameter '${source.decl.text}'` : `request '${source.decl.text}' (${replacement})`;
      findings.push({
        code: CODE,
        message:
          `context.${field.text}() starts a fresh context although ${what} is in scope: ` +
          "the caller's cancellation, deadline and values are lost",
        range: nodeRange(call),
        related: [{ range: nodeRange(source.decl), message: `${what} declared here` }],
        fixes,
      });
    }
    return findings;
  },
};
