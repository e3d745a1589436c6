/**
 * context/lost-cancel: the cancel function of `context.WithCancel/WithTimeout/WithDeadline`
 * (and the `...Cause` forms) discarded with `_`, or not used on some path out of the function.
 * Until it is called, the derived context (and a timer for the timeout forms) lives as long as
 * its parent. Like go vet's lostcancel, any use on a path covers it: a call, `defer`, passing
 * it on, returning it, storing it, or capturing it in a closure.
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { findDeclarationBelow, functionParamNames, nodeRange } from '../syntax';
import type { Fix, Related, TextEdit } from '../types';
import { PathWalker, statementsOf } from './paths';
import { fileInfo, innermostFunction, lineIndent, packageCalls } from './scope';

const CODE = 'context/lost-cancel';

const WITH_FUNCS = ['WithCancel', 'WithTimeout', 'WithDeadline', 'WithCancelCause', 'WithTimeoutCause', 'WithDeadlineCause'];

/** The statement that assigns the call's results and the identifiers it assigns, in order. */
function assignment(call: Node): { stmt: Node; targets: Node[]; declares: boolean } | undefined {
  const list = call.parent;
  if (list?.type !== 'expression_list' || list.namedChildren.length !== 1) return undefined;
  const owner = list.parent;
  if (!owner) return undefined;
  if (owner.type === 'short_var_declaration' || owner.type === 'assignment_statement') {
    if (owner.childForFieldName('right')?.id !== list.id) return undefined;
    const targets = owner.childForFieldName('left')?.namedChildren.filter((n): n is Node => n !== null) ?? [];
    return { stmt: owner, targets, declares: owner.type === 'short_var_declaration' };
  }
  if (owner.type === 'var_spec' && owner.parent?.type === 'var_declaration') {
    const targets = owner.childrenForFieldName('name').filter((n): n is Node => n !== null);
    return { stmt: owner.parent, targets, declares: true };
  }
  return undefined;
}

/** The variable a name refers to inside `fn`: a local declaration or a parameter/result. */
function resolve(id: Node, fn: Node): Node | null {
  return findDeclarationBelow(id, id.text, fn) ?? functionParamNames(fn).find((n) => n.text === id.text) ?? null;
}

/** Whether `id` is a named result of `fn` (returned implicitly, so it escapes). */
function isResult(decl: Node, fn: Node): boolean {
  const result = fn.childForFieldName('result');
  return result !== null && decl.startIndex >= result.startIndex && decl.endIndex <= result.endIndex;
}

/** A name not used anywhere in `fn`: `cancel`, or `cancel2`... */
function freshName(fn: Node): string {
  // Identifiers only: a comment saying "cancel" takes no name.
  const taken = new Set(fn.descendantsOfType('identifier').map((n) => n?.text));
  for (let i = 1; ; i++) {
    const name = i === 1 ? 'cancel' : `cancel${i}`;
    if (!taken.has(name)) return name;
  }
}

/** An edit that puts `code` on its own line after `stmt` (or after it on the line, if more code follows). */
function insertAfter(text: string, stmt: Node, code: string): TextEdit {
  let lineEnd = text.indexOf('\n', stmt.endIndex);
  if (lineEnd === -1) lineEnd = text.length;
  const rest = text.slice(stmt.endIndex, lineEnd);
  const end = nodeRange(stmt).end;
  if (/^\s*(\/\/.*)?\r?$/.test(rest)) {
    const trimmed = rest.replace(/\r$/, '');
    const at = { line: end.line, character: end.character + trimmed.length };
    return { range: { start: at, end: at }, newText: `\n${lineIndent(text, stmt)}${code}` };
  }
  return { range: { start: end, end }, newText: `; ${code}` };
}

/** An edit that puts `code` on its own line before `stmt`. */
function insertBefore(text: string, stmt: Node, code: string): TextEdit {
  const at = nodeRange(stmt).start;
  const before = text.slice(text.lastIndexOf('\n', stmt.startIndex - 1) + 1, stmt.startIndex);
  const newText = /^[ \t]*$/.test(before) ? `${code}\n${before}` : `${code}; `;
  return { range: { start: at, end: at }, newText };
}

/** context/lost-cancel: a With* cancel function discarded or missed on some path; fix: defer it. */
export const lostCancelRule: Rule = {
  meta: {
    code: CODE,
    summary: 'Cancel function of context.WithCancel/WithTimeout/WithDeadline discarded or not called on every path.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const info = fileInfo(ctx);
    if (!info.localNames.has('context')) return [];
    const findings: RawFinding[] = [];
    for (const { call, field } of packageCalls(ctx, info, 'context', WITH_FUNCS)) {
      ctx.file.checkDeadline();
      const fn = innermostFunction(call);
      const assigned = assignment(call);
      if (!fn || !assigned || assigned.targets.length !== 2) continue;
      const target = assigned.targets[1];
      if (target.type !== 'identifier') continue; // stored in a field or map: someone else calls it
      const what = `context.${field.text}`;
      // WithCancelCause's cancel takes the cause; nil means "canceled" as for the others.
      const args = field.text === 'WithCancelCause' ? '(nil)' : '()';
      if (target.text === '_') {
        findings.push(discarded(ctx, call, what, args, fn, assigned.stmt, target, assigned.declares));
        continue;
      }
      const finding = leaking(ctx, call, what, args, fn, assigned.stmt, target, assigned.declares);
      if (finding) findings.push(finding);
    }
    return findings;
  },
};

function discarded(ctx: RuleContext, call: Node, what: string, args: string, fn: Node, stmt: Node, blank: Node, declares: boolean): RawFinding {
  const fixes: Fix[] = [];
  const body = fn.childForFieldName('body');
  // `ctx, cancel = ...` needs `cancel` declared; only `:=` and `var` declare it for us. A
  // statement outside a statement list (an if initializer) has no line to put the defer on.
  if (declares && body && stmt.parent?.type === 'statement_list') {
    const name = freshName(fn);
    fixes.push({
      title: `Keep the cancel function and 'defer ${name}${args}'`,
      edits: [{ range: nodeRange(blank), newText: name }, insertAfter(ctx.text, stmt, `defer ${name}${args}`)],
      isPreferred: true,
    });
  }
  return {
    code: CODE,
    message: `the cancel function returned by ${what} is discarded: the context and its resources live until the parent is cancelled`,
    range: nodeRange(call),
    related: [{ range: nodeRange(blank), message: 'cancel function discarded here' }],
    fixes,
  };
}

function leaking(ctx: RuleContext, call: Node, what: string, args: string, fn: Node, stmt: Node, target: Node, declares: boolean): RawFinding | undefined {
  const body = fn.childForFieldName('body');
  const list = stmt.parent;
  if (!body || list?.type !== 'statement_list') return undefined;
  const name = target.text;
  const decl = declares ? target : resolve(target, fn);
  // Declared outside this function or a named result: it outlives the function anyway.
  if (!decl || isResult(decl, fn) || decl.startIndex < fn.startIndex) return undefined;

  const uses: Node[] = [];
  for (const id of body.descendantsOfType('identifier')) {
    if (!id || id.text !== name || id.id === target.id || id.startIndex < stmt.endIndex) continue;
    if (resolve(id, fn)?.id === decl.id) uses.push(id);
  }
  const starts = uses.map((u) => u.startIndex);
  const walker = new PathWalker((n) => starts.some((s) => s >= n.startIndex && s < n.endIndex));
  const siblings = statementsOf(list.parent);
  const index = siblings.findIndex((s) => s.id === stmt.id);
  if (index === -1) return undefined;
  const { leaks, fallsOff } = walker.escape(list, walker.list(siblings, index + 1), fn, declares);
  // Falling off the end of a function with results is our imprecision, not a real path.
  const endLeak = fallsOff && !fn.childForFieldName('result');
  if (leaks.length === 0 && !endLeak) return undefined;

  const related: Related[] = leaks.slice(0, 5).map((r) =>
    r.type === 'for_statement'
      ? { range: nodeRange(r.firstChild ?? r), message: `the next iteration of this loop replaces '${name}' without calling it` }
      : { range: nodeRange(r), message: `this return is reached without calling '${name}'` },
  );
  const close = body.lastChild;
  if (endLeak && close) related.push({ range: nodeRange(close), message: `the function ends here without calling '${name}'` });

  const fixes: Fix[] = [];
  // `defer cancel()` is only safe when nothing else keeps the function: a cancel returned or
  // stored must not run when this function returns, so there the fix calls it on the leaking paths.
  const onlyCalled = uses.every((u) => u.parent?.type === 'call_expression' && u.parent.childForFieldName('function')?.id === u.id);
  if (onlyCalled) {
    fixes.push({ title: `Add 'defer ${name}${args}'`, edits: [insertAfter(ctx.text, stmt, `defer ${name}${args}`)], isPreferred: true });
  } else if (leaks.every((r) => r.type === 'return_statement' && r.parent?.type === 'statement_list')) {
    const edits = leaks.map((r) => insertBefore(ctx.text, r, `${name}${args}`));
    if (endLeak && close) {
      const at = nodeRange(close).start;
      edits.push({ range: { start: at, end: at }, newText: `\t${name}${args}\n${lineIndent(ctx.text, close)}` });
    }
    fixes.push({ title: `Call '${name}${args}' on the paths that miss it`, edits, isPreferred: true });
  }
  return {
    code: CODE,
    message: `the cancel function '${name}' returned by ${what} is not called on every path: the context leaks until its parent is cancelled`,
    range: nodeRange(call),
    related,
    fixes,
  };
}
