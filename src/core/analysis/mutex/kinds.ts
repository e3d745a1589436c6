/**
 * Telling a mutex from anything else with a `Lock` method. Without a type checker the rules
 * trust either the type index (the operand's declared type is `sync.Mutex`, `sync.RWMutex`,
 * `sync.Locker`, or a struct embedding one) or the method names when they pair up within
 * one function; otherwise they stay silent.
 */
import type { Node } from '../parser';
import type { RuleContext } from '../rule';

const LOCKERS = new Set(['sync.Mutex', 'sync.RWMutex', 'sync.Locker']);

/** Whether the type index says `operand` (inside `fn`) is a mutex, an RWMutex or embeds one. */
export function isKnownMutex(ctx: RuleContext, fn: Node, operand: Node): boolean {
  const t = typeOf(ctx, fn, operand);
  if (!t) return false;
  const base = t.replace(/^\*/, '');
  if (LOCKERS.has(base)) return true;
  const lock = ctx.pkg.lockIn(base);
  // Only an embedded lock promotes Lock/Unlock to the outer type.
  return !!lock && lock.path.length === 1 && (lock.kind === 'sync.Mutex' || lock.kind === 'sync.RWMutex') && lock.path[0] === lock.kind.slice(5);
}

/** Whether the type index says `operand` is a `sync.WaitGroup` (or a pointer to one). */
export function isKnownWaitGroup(ctx: RuleContext, fn: Node, operand: Node): boolean {
  return typeOf(ctx, fn, operand)?.replace(/^\*/, '') === 'sync.WaitGroup';
}

/** The canonical type of `expr` inside `fn`, never throwing on odd trees. */
export function typeOf(ctx: RuleContext, fn: Node, expr: Node): string | undefined {
  return ctx.types(fn).typeOf(expr);
}
