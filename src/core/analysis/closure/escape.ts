/**
 * How a func literal outlives the statement that creates it. A closure that escapes this way
 * runs later or concurrently, so the variables it captures may change under it.
 */
import type { Node } from '../parser';
import { hasToken } from '../syntax';

export type EscapeKind =
  | 'go' // go func() { ... }()
  | 'defer' // defer func() { ... }()
  | 'group-go' // g.Go(func() error { ... }) — errgroup, sync.WaitGroup.Go (Go 1.25), conc
  | 'parallel-subtest' // t.Run(name, func(t *testing.T) { t.Parallel(); ... })
  | 'append' // fns = append(fns, func() { ... })
  | 'send' // ch <- func() { ... }
  | 'store'; // m[k] = func() { ... } or s.f = func() { ... }

export interface Escape {
  kind: EscapeKind;
  /** The statement or call that makes the closure outlive the iteration, for related info. */
  site: Node;
  /** For go/defer: the call that invokes the literal, where arguments can be passed. */
  call?: Node;
}

/** Words for messages: "captured by a closure started by a `go` statement", etc. */
export const ESCAPE_PHRASE: Record<EscapeKind, string> = {
  go: 'a goroutine',
  defer: 'a deferred closure',
  'group-go': 'a closure run as a goroutine by `.Go`',
  'parallel-subtest': 'a parallel subtest',
  append: 'a closure appended to a slice',
  send: 'a closure sent on a channel',
  store: 'a closure stored in a map or field',
};

/** Whether the literal's body calls `<p>.Parallel()` on its first parameter (a parallel subtest). */
function callsParallel(fn: Node): boolean {
  const params = fn.childForFieldName('parameters');
  const first = params?.namedChildren[0]?.childrenForFieldName('name')[0];
  if (!first) return false;
  const body = fn.childForFieldName('body');
  if (!body) return false;
  for (const sel of body.descendantsOfType('selector_expression')) {
    if (sel?.childForFieldName('field')?.text !== 'Parallel') continue;
    if (sel.childForFieldName('operand')?.text === first.text && sel.parent?.type === 'call_expression') return true;
  }
  return false;
}

/** Classifies how `fn` (a func_literal) escapes, or null if it is only called or passed along. */
export function classifyEscape(fn: Node): Escape | null {
  const parent = fn.parent;
  if (!parent) return null;
  switch (parent.type) {
    case 'call_expression': {
      const stmt = parent.parent;
      if (parent.childForFieldName('function')?.id !== fn.id || !stmt) return null;
      if (stmt.type === 'go_statement') return { kind: 'go', site: stmt, call: parent };
      if (stmt.type === 'defer_statement') return { kind: 'defer', site: stmt, call: parent };
      return null;
    }
    case 'argument_list': {
      const call = parent.parent;
      const callee = call?.childForFieldName('function');
      if (!call || !callee) return null;
      if (callee.type === 'identifier' && callee.text === 'append') return { kind: 'append', site: call };
      if (callee.type !== 'selector_expression') return null;
      const method = callee.childForFieldName('field')?.text;
      if (method === 'Go' || method === 'TryGo') return { kind: 'group-go', site: call };
      if (method === 'Run' && callsParallel(fn)) return { kind: 'parallel-subtest', site: call };
      return null;
    }
    case 'send_statement':
      return parent.childForFieldName('value')?.id === fn.id ? { kind: 'send', site: parent } : null;
    case 'expression_list': {
      const assign = parent.parent;
      if (assign?.type !== 'assignment_statement') return null;
      const right = assign.childForFieldName('right');
      if (right?.id !== parent.id) return null;
      const index = parent.namedChildren.findIndex((c) => c?.id === fn.id);
      const target = assign.childForFieldName('left')?.namedChildren[index];
      if (target && (target.type === 'index_expression' || target.type === 'selector_expression')) {
        return { kind: 'store', site: assign };
      }
      return null;
    }
    default:
      return null;
  }
}

/** Whether `id` is the name being declared (not a use): `x :=`, `var x`, a parameter, a range key. */
export function isDeclaringIdentifier(id: Node): boolean {
  const parent = id.parent;
  if (!parent) return false;
  switch (parent.type) {
    case 'parameter_declaration':
    case 'variadic_parameter_declaration':
    case 'var_spec':
    case 'const_spec':
      return parent.childrenForFieldName('name').some((n) => n?.id === id.id);
    case 'expression_list': {
      const owner = parent.parent;
      if (!owner) return false;
      if (owner.type === 'type_switch_statement') return owner.childForFieldName('alias')?.id === parent.id;
      if (owner.childForFieldName('left')?.id !== parent.id) return false;
      if (owner.type === 'short_var_declaration') return true;
      return (owner.type === 'range_clause' || owner.type === 'receive_statement') && hasToken(owner, ':=');
    }
    default:
      return false;
  }
}
