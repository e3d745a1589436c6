/**
 * What the mutex rules share about one unit of analysis (a top-level declaration): its
 * functions and the lock calls each makes, found from the text first so that a declaration
 * without `Lock()` costs one `indexOf`. Computed once per {@link RuleContext}, whichever
 * mutex rule asks first.
 */
import type { Node } from '../parser';
import { type FileFacts, lowerBound, type RuleContext } from '../rule';

/** The four methods whose pairing the rules check. */
export type LockOp = 'Lock' | 'Unlock' | 'RLock' | 'RUnlock';

/** Which side of a lock an operation takes or releases: write (`Lock`) or read (`RLock`). */
export type Side = 'w' | 'r';

/** One `x.Lock()`-style call with no arguments. */
export interface LockCall {
  op: LockOp;
  side: Side;
  acquire: boolean;
  /** The operand's text without blanks, the lock's identity: `mu`, `s.mu`, `c.lock`. */
  key: string;
  call: Node;
  operand: Node;
  /** The `Lock`/`Unlock` name, for quick fixes that swap it. */
  field: Node;
  /** The statement the call is the whole of (`expression_statement` or `defer_statement`), if any. */
  stmt: Node | null;
  deferred: boolean;
  /** The innermost function around the call. */
  fn: Node;
}

/** A function of the unit with the lock calls that belong to it (not to closures inside it). */
export interface FunctionLocks {
  fn: Node;
  calls: LockCall[];
}

/** Per-unit facts shared by the mutex rules. */
export interface MutexUnit {
  /** Every function of the unit: the declaration itself and its func literals, outermost first. */
  functions: Node[];
  /** Functions that contain at least one lock call, with their calls. */
  locking: FunctionLocks[];
  /** All lock calls of the unit by call node id. */
  byCall: Map<number, LockCall>;
}

const LOCK_CALL = /\.\s*(RLock|RUnlock|Lock|Unlock)\(\s*\)/g;

/** Per file: `unit start:needle` -> whether the unit's text holds the needle. */
const occurrences = new WeakMap<FileFacts, Map<string, boolean>>();
/** Per file: needle -> sorted offsets in the whole file (cold analysis). */
const fileOffsets = new WeakMap<FileFacts, Map<string, number[]>>();

/**
 * Whether `needle` occurs in the unit's text: by one scan of the file and a binary search per
 * unit in a cold analysis; by searching the unit's slice alone when only edited declarations
 * are re-analysed, so a keystroke costs that declaration, not the file.
 */
export function unitContains(ctx: RuleContext, needle: string): boolean {
  let byKey = occurrences.get(ctx.file);
  if (!byKey) occurrences.set(ctx.file, (byKey = new Map()));
  const { startIndex, endIndex } = ctx.scope;
  if (!ctx.file.perUnitScans) {
    // Cold analysis of every declaration: one scan of the file, then a search per unit.
    let offsets = fileOffsets.get(ctx.file)?.get(needle);
    if (!offsets) {
      offsets = [];
      for (let i = ctx.text.indexOf(needle); i !== -1; i = ctx.text.indexOf(needle, i + needle.length)) offsets.push(i);
      let byNeedle = fileOffsets.get(ctx.file);
      if (!byNeedle) fileOffsets.set(ctx.file, (byNeedle = new Map()));
      byNeedle.set(needle, offsets);
    }
    const lo = lowerBound(offsets, startIndex);
    return lo < offsets.length && offsets[lo] + needle.length <= endIndex;
  }
  const key = `${startIndex}:${needle}`;
  let found = byKey.get(key);
  if (found === undefined) {
    found = ctx.text.slice(startIndex, endIndex).includes(needle);
    byKey.set(key, found);
  }
  return found;
}

const cache = new WeakMap<RuleContext, MutexUnit>();

/** The declaration and the func literals of the unit, outermost (earliest start) first. */
export function unitFunctions(ctx: RuleContext): Node[] {
  const out: Node[] = [];
  const { scope } = ctx;
  if (scope.type === 'function_declaration' || scope.type === 'method_declaration') out.push(scope);
  out.push(...ctx.closures());
  return out;
}

/** The innermost of `fns` (sorted by start) that contains `node`. */
export function innermost(fns: readonly Node[], node: Node): Node | undefined {
  let best: Node | undefined;
  for (const fn of fns) {
    if (fn.startIndex > node.startIndex) break;
    if (node.endIndex <= fn.endIndex) best = fn;
  }
  return best;
}

/** Reads `call` as a lock call, or undefined if it is anything else. */
export function readLockCall(call: Node, fn: Node): LockCall | undefined {
  if (call.type !== 'call_expression') return undefined;
  const callee = call.childForFieldName('function');
  if (callee?.type !== 'selector_expression') return undefined;
  const field = callee.childForFieldName('field');
  const operand = callee.childForFieldName('operand');
  const args = call.childForFieldName('arguments');
  if (!field || !operand || !args || args.namedChildCount > 0) return undefined;
  const op = field.text;
  if (op !== 'Lock' && op !== 'Unlock' && op !== 'RLock' && op !== 'RUnlock') return undefined;
  const parent = call.parent;
  const stmt = parent && (parent.type === 'expression_statement' || parent.type === 'defer_statement') ? parent : null;
  return {
    op,
    side: op === 'RLock' || op === 'RUnlock' ? 'r' : 'w',
    acquire: op === 'Lock' || op === 'RLock',
    key: operand.text.replace(/\s+/g, ''),
    call,
    operand,
    field,
    stmt,
    deferred: stmt?.type === 'defer_statement',
    fn,
  };
}

/** Builds (once per context) the unit's lock facts; empty when the unit has no lock call. */
export function mutexUnit(ctx: RuleContext): MutexUnit {
  let unit = cache.get(ctx);
  if (!unit) cache.set(ctx, (unit = build(ctx)));
  return unit;
}

const EMPTY: MutexUnit = { functions: [], locking: [], byCall: new Map() };

function build(ctx: RuleContext): MutexUnit {
  const { scope, text } = ctx;
  const start = scope.startIndex;
  const end = scope.endIndex;
  if (!unitContains(ctx, 'ock(')) return EMPTY;
  const functions = unitFunctions(ctx);
  if (functions.length === 0) return EMPTY;
  const byFn = new Map<number, FunctionLocks>();
  const byCall = new Map<number, LockCall>();
  LOCK_CALL.lastIndex = start;
  for (let m = LOCK_CALL.exec(text); m && m.index < end; m = LOCK_CALL.exec(text)) {
    const nameAt = m.index + m[0].indexOf(m[1]);
    const field = scope.descendantForIndex(nameAt, nameAt + m[1].length);
    const call = field?.type === 'field_identifier' ? field.parent?.parent : null;
    if (!call) continue;
    const fn = innermost(functions, call);
    if (!fn) continue;
    const lc = readLockCall(call, fn);
    if (!lc || lc.field.id !== field?.id) continue;
    let entry = byFn.get(fn.id);
    if (!entry) byFn.set(fn.id, (entry = { fn, calls: [] }));
    entry.calls.push(lc);
    byCall.set(call.id, lc);
  }
  return { functions, locking: [...byFn.values()], byCall };
}

/** The receiver name of a method declaration, if it has one. */
export function receiverName(fn: Node): string | undefined {
  if (fn.type !== 'method_declaration') return undefined;
  const name = fn.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('name')?.text;
  return name && name !== '_' ? name : undefined;
}

/** Whether `inner` lies within `outer` (by offsets). */
export function within(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}
