/**
 * context/goroutine-no-ctx: `go func() { ... }()` started in a function that has a context,
 * whose body never mentions that context (nor anything derived from it), yet loops without
 * bound or blocks: such a goroutine outlives the caller's cancellation, a goroutine leak
 * once the caller has gone.
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { findDeclarationBelow, nodeRange } from '../syntax';
import { isInfiniteLoop } from './paths';
import { ctxDerivedNames, ctxExpression, ctxInScope, explainedAbove, fileInfo, innermostFunction, isPackage, lowerBound, mentionsContext, occurrences, type UnitInfo, unitInfo } from './scope';

const CODE = 'context/goroutine-no-ctx';

/** Why a goroutine body may run forever: the node and words for the message. */
export interface Blocking {
  node: Node;
  why: string;
}

/** Whether an expression is known to be a channel: its declared type, or `make(chan T)`. */
function isChannel(ctx: RuleContext, fn: Node, expr: Node): boolean {
  const type = ctx.types(fn).typeOf(expr);
  if (type) return /^(chan\b|<-\s*chan\b)/.test(type);
  if (expr.type === 'selector_expression' && expr.childForFieldName('field')?.text === 'C') {
    // `ticker.C` of a `*time.Ticker` / `*time.Timer`, declared or from time.NewTicker/NewTimer.
    const operand = expr.childForFieldName('operand');
    return operand !== null && isTimer(ctx, fn, operand);
  }
  if (expr.type === 'call_expression') {
    // `range ctx.Done()`-like calls are not ours to judge; `time.Tick(d)` is a channel.
    const callee = expr.childForFieldName('function');
    const pkg = callee?.type === 'selector_expression' ? callee.childForFieldName('operand') : null;
    return !!pkg && callee?.childForFieldName('field')?.text === 'Tick' && isPackage(fileInfo(ctx), pkg.text, 'time');
  }
  if (expr.type !== 'identifier') return false;
  const decl = findDeclarationBelow(expr, expr.text, ctx.scope.parent ?? ctx.scope);
  const list = decl?.parent;
  const stmt = list?.parent;
  if (!decl || list?.type !== 'expression_list' || stmt?.type !== 'short_var_declaration') return false;
  const index = list.namedChildren.findIndex((n) => n?.id === decl.id);
  const value = stmt.childForFieldName('right')?.namedChildren[index];
  return value?.type === 'call_expression' && value.childForFieldName('function')?.text === 'make' && /^make\(\s*(<-\s*)?chan\b/.test(value.text);
}

/** Whether a loop body has a `break`, `return` or `goto` (any may leave the loop). */
function hasExit(loop: Node): boolean {
  const body = loop.childForFieldName('body');
  return body !== null && body.descendantsOfType(['break_statement', 'return_statement', 'goto_statement']).length > 0;
}

/** Whether an expression is a `*time.Ticker` or `*time.Timer`. */
function isTimer(ctx: RuleContext, fn: Node, expr: Node): boolean {
  const type = ctx.types(fn).typeOf(expr);
  if (type) return type === '*time.Ticker' || type === '*time.Timer';
  if (expr.type !== 'identifier') return false;
  const decl = findDeclarationBelow(expr, expr.text, ctx.scope.parent ?? ctx.scope);
  const stmt = decl?.parent?.parent;
  if (stmt?.type !== 'short_var_declaration') return false;
  const value = stmt.childForFieldName('right')?.namedChildren[0];
  const callee = value?.type === 'call_expression' ? value.childForFieldName('function') : null;
  const pkg = callee?.childForFieldName('operand');
  const name = callee?.childForFieldName('field')?.text;
  return !!pkg && isPackage(fileInfo(ctx), pkg.text, 'time') && (name === 'NewTicker' || name === 'NewTimer');
}

/** Whether a select has a default case (then it never blocks). */
function hasDefault(select: Node): boolean {
  return select.namedChildren.some((c) => c?.type === 'default_case');
}

/**
 * The first way the body of `fn` (not counting nested func literals) may loop without bound
 * or block: `for {}`/`for cond {}`, `range` over a channel, a receive, a blocking select,
 * `time.Sleep`.
 */
export function blockingIn(ctx: RuleContext, fn: Node): Blocking | undefined {
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  const info = fileInfo(ctx);
  const nodes = body.descendantsOfType(['for_statement', 'unary_expression', 'select_statement', 'call_expression']);
  for (const n of nodes) {
    if (!n) continue;
    switch (n.type) {
      case 'for_statement': {
        const clause = n.namedChildren.find((c) => c?.type === 'range_clause' || c?.type === 'for_clause');
        if (!clause) {
          if (innermostFunction(n)?.id !== fn.id) continue;
          // `for { ... break ... }` has its own way out: only what blocks inside it counts.
          if (isInfiniteLoop(n) && hasExit(n)) continue;
          return { node: n, why: isInfiniteLoop(n) ? 'loops forever' : 'loops until its condition changes' };
        }
        const over = clause.type === 'range_clause' ? clause.childForFieldName('right') : null;
        if (over && isChannel(ctx, fn, over) && innermostFunction(n)?.id === fn.id) return { node: n, why: 'ranges over a channel' };
        continue;
      }
      case 'unary_expression': {
        if (n.childForFieldName('operator')?.text !== '<-') continue;
        // A receive in a select case blocks only as much as the select does.
        const comm = n.parent?.type === 'receive_statement' ? n.parent.parent : n.parent;
        if (comm?.type === 'communication_case') continue;
        if (innermostFunction(n)?.id !== fn.id) continue;
        return { node: n, why: 'blocks on a channel receive' };
      }
      case 'select_statement':
        if (hasDefault(n) || innermostFunction(n)?.id !== fn.id) continue;
        return { node: n, why: 'blocks in a select' };
      case 'call_expression': {
        const callee = n.childForFieldName('function');
        if (callee?.type !== 'selector_expression' || callee.childForFieldName('field')?.text !== 'Sleep') continue;
        const pkg = callee.childForFieldName('operand');
        if (pkg?.type !== 'identifier' || !isPackage(info, pkg.text, 'time')) continue;
        if (innermostFunction(n)?.id !== fn.id) continue;
        return { node: n, why: 'sleeps' };
      }
      default:
        continue;
    }
  }
  return undefined;
}

/** Whether a goroutine literal takes a context as a parameter (`go func(ctx context.Context) {...}(ctx)`). */
function receivesContext(ctx: RuleContext, fn: Node): boolean {
  return ctx.types(fn).paramsOfType('context.Context').length > 0;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Whether the function that starts the goroutine stops or joins it itself, which is what
 * observing the context would achieve: it closes a channel the goroutine receives from
 * (`close(quit)` / `case <-quit:`), or receives from a channel the goroutine sends on or
 * closes (`<-done` / `done <- x`, `close(done)`).
 */
function stoppedByCaller(ctx: RuleContext, stmt: Node, fn: Node): boolean {
  const outer = innermostFunction(stmt);
  if (!outer) return false;
  const inside = (n: Node) => n.startIndex >= fn.startIndex && n.endIndex <= fn.endIndex;
  const closedBy = (scope: Node, want: (n: Node) => boolean): Set<string> => {
    const out = new Set<string>();
    for (const offset of occurrences(ctx, 'close(')) {
      if (offset < scope.startIndex || offset >= scope.endIndex) continue;
      const callee = scope.descendantForIndex(offset, offset + 5);
      const call = callee?.parent;
      const arg = call?.type === 'call_expression' ? call.childForFieldName('arguments')?.namedChildren[0] : null;
      if (callee?.type === 'identifier' && arg && want(call as Node)) out.add(arg.text);
    }
    return out;
  };
  const receives = (scope: Node, want: (n: Node) => boolean): Set<string> => {
    const out = new Set<string>();
    for (const recv of scope.descendantsOfType('unary_expression')) {
      const operand = recv?.childForFieldName('operand');
      if (recv?.childForFieldName('operator')?.text === '<-' && operand && want(recv)) out.add(operand.text);
    }
    return out;
  };
  // The caller closes what the goroutine waits on.
  const closedByCaller = closedBy(outer, (n) => !inside(n));
  if (closedByCaller.size > 0) {
    for (const name of receives(fn, () => true)) if (closedByCaller.has(name)) return true;
  }
  // The caller waits for what the goroutine sends or closes.
  const awaited = receives(outer, (n) => !inside(n) && n.startIndex > stmt.startIndex);
  if (awaited.size === 0) return false;
  for (const send of fn.descendantsOfType('send_statement')) {
    const channel = send?.childForFieldName('channel');
    if (channel && awaited.has(channel.text)) return true;
  }
  for (const name of closedBy(fn, () => true)) if (awaited.has(name)) return true;
  return false;
}

/**
 * Whether a goroutine literal ignores the context around it: no parameter, no mention. The
 * names derived from contexts cost a pass over the unit, so they are consulted last.
 */
export function ignoresContext(ctx: RuleContext, unit: UnitInfo, fn: Node): boolean {
  const info = fileInfo(ctx);
  return !receivesContext(ctx, fn) && !mentionsContext(fn, unit, NONE, info) && !mentionsContext(fn, unit, ctxDerivedNames(ctx, unit), info);
}

/** Offsets of `go func` in the unit (formatting puts one space between). */
function goLiterals(ctx: RuleContext): Node[] {
  const { scope } = ctx;
  const out: Node[] = [];
  const offsets = occurrences(ctx, 'go func');
  for (let k = lowerBound(offsets, scope.startIndex); k < offsets.length && offsets[k] < scope.endIndex; k++) {
    const i = offsets[k];
    const keyword = scope.descendantForIndex(i, i + 2);
    const stmt = keyword?.type === 'go' ? keyword.parent : null;
    const fn = stmt?.type === 'go_statement' ? stmt.namedChildren[0]?.childForFieldName('function') : null;
    if (stmt && fn?.type === 'func_literal') out.push(stmt);
  }
  return out;
}

/** context/goroutine-no-ctx: a goroutine literal that ignores the context and loops or blocks. */
export const goroutineNoCtxRule: Rule = {
  meta: {
    code: CODE,
    summary: 'Goroutine in a context-aware function that never observes the context but loops or blocks.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const info = fileInfo(ctx);
    if (!info.relevant) return [];
    const unit = unitInfo(ctx);
    if (unit.sources.size === 0) return [];
    const findings: RawFinding[] = [];
    for (const stmt of goLiterals(ctx)) {
      ctx.file.checkDeadline();
      const source = ctxInScope(unit, stmt);
      const fn = stmt.namedChildren[0]?.childForFieldName('function');
      if (!source || !fn || receivesContext(ctx, fn) || mentionsContext(fn, unit, NONE, info)) continue;
      const blocking = blockingIn(ctx, fn);
      if (!blocking || !ignoresContext(ctx, unit, fn) || stoppedByCaller(ctx, stmt, fn) || explainedAbove(ctx.text, stmt)) continue;
      const name = ctxExpression(source);
      findings.push({
        code: CODE,
        message:
          `goroutine never observes '${name}' but ${blocking.why}: when '${name}' is cancelled it keeps running ` +
          `(pass '${name}' in and select on ${name}.Done())`,
        // The `go func(...)` head, not the whole body.
        range: { start: nodeRange(stmt).start, end: nodeRange(fn.childForFieldName('parameters') ?? fn).end },
        related: [
          { range: nodeRange(blocking.node), message: `the goroutine ${blocking.why} here` },
          { range: nodeRange(source.decl), message: `'${source.decl.text}' declared here` },
        ],
        fixes: [],
      });
    }
    return findings;
  },
};
