/**
 * A path-sensitive walk over the statements of one function that tracks which locks are held.
 * Not a control-flow graph: a structured walk over blocks, if/else, switch and select cases,
 * loops (iterated to a fixpoint), break/continue (labelled too), return and calls that never
 * return (`panic`, `os.Exit`, `t.Fatal`). `goto` and `fallthrough` make the walk give up:
 * silence over a guess.
 *
 * For each lock the state keeps the set of possibilities the paths reaching a point bring:
 * held (by which `Lock` call, read or write side), released by this function, or as the
 * function found it ("entry": the caller may hold it). Findings are only drawn where they
 * hold on the paths that matter: a leak is reported when the `Lock` that is still held sits
 * in a block enclosing the exit, so `if a { mu.Lock() }; ...; if a { mu.Unlock() }` (two
 * tests of the same condition) is not mistaken for a leak.
 */
import type { Node } from '../parser';
import type { LockCall, Side } from './unit';

/** A lock held on some path, with the block of its `Lock` call (for the dominance test). */
interface Held {
  side: Side;
  lock: LockCall;
  blockStart: number;
  blockEnd: number;
}

/** `maybe`: read-locked more than once (a count the walk does not keep): say nothing. */
type Poss = 'entry' | 'none' | 'maybe' | Held;

interface State {
  locks: Map<string, Poss[]>;
  /** `key:side` released by a deferred call. */
  deferred: Set<string>;
  /** A deferred call that might release anything (`defer unlock()`, `defer s.release()`). */
  deferAll: boolean;
}

/** A way out of the function or of an iteration: a statement, or the closing brace of `node`. */
export interface Exit {
  node: Node;
  /** The exit is falling off the end of `node` (a function or loop body), at its `}`. */
  end: boolean;
}

/** What the walk found, keyed by the call that the finding sits on. */
export interface FlowResult {
  /** Lock -> the exits where it is still held (unlock-missing). */
  leaks: Map<LockCall, Exit[]>;
  /** Lock in a loop body -> the ends of iterations where it is still held (lock-in-loop). */
  loopLeaks: Map<LockCall, { loop: Node; exits: Exit[] }>;
  /** A second acquisition (a Lock call, or a call of a method that locks) and the first. */
  doubles: Array<{ at: Node; key: string; first: LockCall; method?: string }>;
  /** An unlock of the other side than the one held. */
  mismatches: Array<{ unlock: LockCall; held: LockCall }>;
  /** An unlock on every path of which this function has released or never taken the lock. */
  unlocked: LockCall[];
  /** A blocking operation while a lock is held. */
  blocking: Array<{ at: Node; key: string; lock: LockCall; held: Side; what: 'send' | 'receive' | 'wait'; target: Node }>;
}

/** What the walk needs to know beyond the statements. */
export interface FlowHooks {
  /** Lock calls of the whole unit by call node id. */
  byCall: ReadonlyMap<number, LockCall>;
  /** Keys (in this function's names) and sides that calling `call` locks, if it calls a locking method. */
  methodLocks(call: Node): Array<{ key: string; side: Side; method: string }>;
  /** Whether `call` is `wg.Wait()` on a known `sync.WaitGroup`. */
  isWaitGroupWait(call: Node): boolean;
}

/** Thrown when the function uses control flow the walk does not model. */
class Unsupported extends Error {}

/** Calls that never return: the path ends there and a held lock is not a leak. */
const NO_RETURN = /^(panic|throw|fatal|os\.Exit|runtime\.Goexit|log\.(Fatal|Panic)\w*|\w+\.(Fatal|Fatalf|Fatalln|FailNow|SkipNow|Skip|Skipf|Panic|Panicf|Panicln|Exit))$/;
/** Deferred calls that may release a lock we cannot see. */
const MAY_RELEASE = /unlock|release/i;
const BUILTINS = new Set(['close', 'print', 'println', 'recover', 'panic', 'delete', 'clear']);
/** Statement visits allowed per function; nested loops iterate their bodies repeatedly. */
const BUDGET = 50_000;

interface Target {
  kind: 'loop' | 'switch';
  label?: string;
  breaks: State[];
  continues: Array<{ state: State; exit: Exit }>;
}

function isHeld(p: Poss): p is Held {
  return typeof p !== 'string';
}

function clone(s: State): State {
  return { locks: new Map(s.locks), deferred: new Set(s.deferred), deferAll: s.deferAll };
}

function possId(p: Poss): string | number {
  return isHeld(p) ? `${p.side}${p.lock.call.id}` : p;
}

function merge(states: ReadonlyArray<State | null>): State | null {
  const live = states.filter((s): s is State => s !== null);
  if (live.length === 0) return null;
  if (live.length === 1) return clone(live[0]);
  const out: State = { locks: new Map(), deferred: new Set(), deferAll: false };
  for (const s of live) {
    for (const [key, poss] of s.locks) {
      const into = out.locks.get(key) ?? [];
      for (const p of poss) if (!into.some((q) => possId(q) === possId(p))) into.push(p);
      out.locks.set(key, into);
    }
    for (const d of s.deferred) out.deferred.add(d);
    out.deferAll ||= s.deferAll;
  }
  return out;
}

function sameState(a: State, b: State): boolean {
  if (a.locks.size !== b.locks.size || a.deferred.size !== b.deferred.size || a.deferAll !== b.deferAll) return false;
  for (const [key, poss] of a.locks) {
    const other = b.locks.get(key);
    if (!other || other.length !== poss.length) return false;
    const ids = new Set(other.map(possId));
    if (!poss.every((p) => ids.has(possId(p)))) return false;
  }
  return true;
}

/** Whether a held lock's `Lock` call is in a block that encloses offset `at`, before it. */
function dominates(h: Held, at: number): boolean {
  return h.blockStart <= at && at < h.blockEnd && h.lock.call.startIndex < at;
}

function isReceive(n: Node): boolean {
  return n.type === 'unary_expression' && n.child(0)?.type === '<-';
}

/** Walks one function; undefined when it uses `goto` or `fallthrough`, or is too large. */
export function walkFunction(fn: Node, calls: readonly LockCall[], hooks: FlowHooks): FlowResult | undefined {
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  const walker = new Walker(hooks, calls);
  try {
    return walker.run(body);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

class Walker {
  private recording = true;
  private visits = 0;
  private readonly targets: Target[] = [];
  /** The statement lists being walked, innermost last: a Lock's block is the top one. */
  private readonly blocks: Node[] = [];
  private readonly result: FlowResult = { leaks: new Map(), loopLeaks: new Map(), doubles: [], mismatches: [], unlocked: [], blocking: [] };
  private readonly seen = new Set<string>();
  /** Keys whose textually first operation is an unlock: the caller holds the lock on entry. */
  private readonly callerHolds = new Set<string>();
  private readonly keys: string[];

  constructor(
    private readonly hooks: FlowHooks,
    private readonly calls: readonly LockCall[],
  ) {
    const firstOp = new Map<string, LockCall>();
    for (const c of calls) if (!c.deferred && !firstOp.has(c.key)) firstOp.set(c.key, c);
    for (const [key, c] of firstOp) if (!c.acquire) this.callerHolds.add(key);
    this.keys = [...new Set(calls.map((c) => c.key))];
  }

  run(body: Node): FlowResult {
    const entry: State = { locks: new Map(this.keys.map((k) => [k, ['entry']])), deferred: new Set(), deferAll: false };
    const out = this.walkBlock(body, entry);
    if (out) this.exit(out, { node: body, end: true });
    return this.result;
  }

  private once(tag: string): boolean {
    if (!this.recording || this.seen.has(tag)) return false;
    this.seen.add(tag);
    return true;
  }

  private walkBlock(block: Node | null, s: State | null): State | null {
    if (!block || !s) return s;
    const list = block.type === 'statement_list' ? block : block.namedChildren.find((c) => c?.type === 'statement_list');
    if (!list) return s;
    // The block's braces belong to it: a lock at its top level dominates its closing brace.
    this.blocks.push(block.type === 'block' ? block : list);
    let cur: State | null = s;
    for (const stmt of list.namedChildren) {
      if (!stmt || stmt.type === 'comment') continue;
      cur = this.walkStmt(stmt, cur);
      if (!cur) break;
    }
    this.blocks.pop();
    return cur;
  }

  private walkStmt(stmt: Node, s: State, label?: string): State | null {
    if (++this.visits > BUDGET) throw new Unsupported();
    switch (stmt.type) {
      case 'expression_statement':
        return this.expressionStatement(stmt, s);
      case 'defer_statement':
        this.deferStatement(stmt, s);
        return s;
      case 'return_statement':
        this.scan(stmt, s);
        this.exit(s, { node: stmt, end: false });
        return null;
      case 'block':
        return this.walkBlock(stmt, s);
      case 'if_statement':
        return this.ifStatement(stmt, s);
      case 'for_statement':
        return this.forStatement(stmt, s, label);
      case 'expression_switch_statement':
      case 'type_switch_statement':
        return this.switchStatement(stmt, s, label);
      case 'select_statement':
        return this.selectStatement(stmt, s, label);
      case 'labeled_statement': {
        const inner = stmt.namedChildren[1];
        const name = stmt.childForFieldName('label')?.text;
        return inner ? this.walkStmt(inner, s, name) : s;
      }
      case 'break_statement':
      case 'continue_statement':
        this.jump(stmt, s);
        return null;
      case 'goto_statement':
      case 'fallthrough_statement':
        throw new Unsupported();
      case 'go_statement':
        return s;
      default:
        this.scan(stmt, s);
        return s;
    }
  }

  private expressionStatement(stmt: Node, s: State): State | null {
    const call = stmt.namedChildren[0];
    const lc = call ? this.hooks.byCall.get(call.id) : undefined;
    if (lc && this.calls.includes(lc)) {
      this.apply(lc, s);
      return s;
    }
    this.scan(stmt, s);
    if (call?.type === 'call_expression') {
      const callee = call.childForFieldName('function')?.text ?? '';
      if (NO_RETURN.test(callee)) return null;
    }
    return s;
  }

  private apply(lc: LockCall, s: State): void {
    const poss = s.locks.get(lc.key) ?? ['entry'];
    const at = lc.call.startIndex;
    if (lc.acquire) {
      for (const p of poss) {
        // Two read locks may both be held; a loop coming back to the same Lock is lock-in-loop.
        if (!isHeld(p) || (p.side === 'r' && lc.side === 'r') || p.lock === lc || !dominates(p, at)) continue;
        if (this.once(`double:${lc.call.id}`)) this.result.doubles.push({ at: lc.call, key: lc.key, first: p.lock });
        break;
      }
      const block = this.blocks[this.blocks.length - 1];
      const held: Held = { side: lc.side, lock: lc, blockStart: block.startIndex, blockEnd: block.endIndex };
      const nested = lc.side === 'r' && poss.some((p) => p === 'maybe' || (isHeld(p) && p.side === 'r'));
      s.locks.set(lc.key, nested ? [held, 'maybe'] : [held]);
      return;
    }
    if (poss.includes('maybe')) {
      s.locks.set(lc.key, ['maybe']);
      return;
    }
    this.release(lc, poss);
    s.locks.set(lc.key, ['none']);
  }

  /** Checks an unlock against what the paths reaching it hold. */
  private release(lc: LockCall, poss: readonly Poss[]): void {
    const held = poss.filter(isHeld);
    if (held.length > 0 && held.length === poss.length && held.every((h) => h.side !== lc.side)) {
      if (this.once(`mismatch:${lc.call.id}`)) this.result.mismatches.push({ unlock: lc, held: held[0].lock });
      return;
    }
    const fromEntry = poss.includes('entry');
    if (fromEntry && this.callerHolds.has(lc.key)) return;
    if (held.length === poss.length) return;
    if (held.length > 0) {
      // Held on some paths only. When the Unlock is less conditional than every Lock (its
      // block encloses theirs: `switch { case a: mu.Lock() }; mu.Unlock()`), the paths that
      // skipped the Lock reach it too. When it is as conditional (`if c { mu.Lock() } ...
      // if c { mu.Unlock() }`), the two tests may agree: silence.
      const block = this.blocks[this.blocks.length - 1];
      if (!held.every((h) => block.startIndex <= h.blockStart && h.blockEnd <= block.endIndex && !(h.blockStart === block.startIndex && h.blockEnd === block.endIndex))) return;
    }
    // Only when this function locks it somewhere: otherwise it is an "unlock for the caller" helper.
    if (!this.calls.some((c) => c.key === lc.key && c.acquire && !c.deferred)) return;
    if (this.once(`unlocked:${lc.call.id}`)) this.result.unlocked.push(lc);
  }

  private deferStatement(stmt: Node, s: State): void {
    const call = stmt.namedChildren[0];
    if (!call) return;
    const lc = this.hooks.byCall.get(call.id);
    if (lc) {
      if (!lc.acquire) {
        const poss = s.locks.get(lc.key) ?? ['entry'];
        const held = poss.filter(isHeld);
        if (held.length > 0 && held.length === poss.length && held.every((h) => h.side !== lc.side)) {
          if (this.once(`mismatch:${lc.call.id}`)) this.result.mismatches.push({ unlock: lc, held: held[0].lock });
        }
      }
      // A deferred Lock is reported by defer-lock; count it as the intended unlock here.
      s.deferred.add(`${lc.key}:w`);
      if (lc.side === 'r' || !lc.acquire) s.deferred.add(`${lc.key}:r`);
      return;
    }
    const callee = call.type === 'call_expression' ? call.childForFieldName('function') : null;
    if (!callee) return;
    if (callee.type === 'func_literal') {
      let unknown = false;
      for (const inner of callee.descendantsOfType('call_expression')) {
        if (!inner) continue;
        const d = this.hooks.byCall.get(inner.id);
        if (d && !d.acquire) {
          s.deferred.add(`${d.key}:w`);
          s.deferred.add(`${d.key}:r`);
        } else if (MAY_RELEASE.test(inner.childForFieldName('function')?.text ?? '')) unknown = true;
      }
      if (unknown) s.deferAll = true;
      return;
    }
    const name = callee.text;
    if (MAY_RELEASE.test(name) || (callee.type === 'identifier' && !BUILTINS.has(name))) s.deferAll = true;
  }

  private ifStatement(stmt: Node, s: State): State | null {
    const init = stmt.childForFieldName('initializer');
    if (init) this.scan(init, s);
    const cond = stmt.childForFieldName('condition');
    if (cond) this.scan(cond, s);
    const then = this.walkBlock(stmt.childForFieldName('consequence'), clone(s));
    const alt = stmt.childForFieldName('alternative');
    const other = alt ? (alt.type === 'if_statement' ? this.ifStatement(alt, clone(s)) : this.walkBlock(alt, clone(s))) : s;
    return merge([then, other]);
  }

  private forStatement(stmt: Node, s: State, label?: string): State | null {
    const body = stmt.childForFieldName('body');
    let infinite = true;
    for (const c of stmt.namedChildren) {
      if (!c || c.id === body?.id || c.type === 'comment') continue;
      if (c.type === 'for_clause') {
        const init = c.childForFieldName('initializer');
        if (init) this.scan(init, s);
        if (c.childForFieldName('condition')) infinite = false;
      } else {
        infinite = false;
      }
    }
    const target: Target = { kind: 'loop', label, breaks: [], continues: [] };
    // Held on entry to the loop, by this function or (by its convention) by the caller.
    const entryHeld = new Set(
      this.keys.filter((k) => (s.locks.get(k) ?? []).some((p) => isHeld(p) || (p === 'entry' && this.callerHolds.has(k)))),
    );
    const passBody = (head: State): State | null => {
      target.breaks = [];
      target.continues = [];
      this.targets.push(target);
      try {
        return this.walkBlock(body, clone(head));
      } finally {
        this.targets.pop();
      }
    };
    // Iterate to a fixpoint without recording, then walk once more recording findings.
    const recording = this.recording;
    this.recording = false;
    let head = clone(s);
    for (let i = 0; i < 3; i++) {
      const out = passBody(head);
      const next = merge([head, out, ...target.continues.map((c) => c.state)]) ?? head;
      if (sameState(next, head)) break;
      head = next;
    }
    this.recording = recording;
    const out = passBody(head);
    if (this.recording && body) {
      const ends: Array<{ state: State; exit: Exit }> = [...target.continues];
      if (out) ends.push({ state: out, exit: { node: body, end: true } });
      for (const { state, exit } of ends) this.iterationEnd(state, exit, stmt, body, entryHeld);
    }
    return merge([infinite ? null : head, ...target.breaks]);
  }

  /** A lock taken in this iteration and still held when the next one starts. */
  private iterationEnd(state: State, exit: Exit, loop: Node, body: Node, entryHeld: ReadonlySet<string>): void {
    const at = exit.end ? exit.node.endIndex - 1 : exit.node.startIndex;
    for (const [key, poss] of state.locks) {
      if (entryHeld.has(key)) continue;
      for (const p of poss) {
        if (!isHeld(p) || p.lock.call.startIndex < body.startIndex || p.lock.call.endIndex > body.endIndex || !dominates(p, at)) continue;
        const entry = this.result.loopLeaks.get(p.lock) ?? { loop, exits: [] };
        if (!entry.exits.some((e) => e.node.id === exit.node.id)) entry.exits.push(exit);
        this.result.loopLeaks.set(p.lock, entry);
      }
    }
  }

  private switchStatement(stmt: Node, s: State, label?: string): State | null {
    const init = stmt.childForFieldName('initializer');
    if (init) this.scan(init, s);
    const value = stmt.childForFieldName('value');
    if (value) this.scan(value, s);
    const target: Target = { kind: 'switch', label, breaks: [], continues: [] };
    const outs: Array<State | null> = [];
    let hasDefault = false;
    this.targets.push(target);
    try {
      for (const c of stmt.namedChildren) {
        if (!c || (c.type !== 'expression_case' && c.type !== 'type_case' && c.type !== 'default_case')) continue;
        if (c.type === 'default_case') hasDefault = true;
        outs.push(this.walkBlock(c.namedChildren.find((x) => x?.type === 'statement_list') ?? null, clone(s)));
      }
    } finally {
      this.targets.pop();
    }
    if (!hasDefault) outs.push(s);
    return merge([...outs, ...target.breaks]);
  }

  private selectStatement(stmt: Node, s: State, label?: string): State | null {
    const cases = stmt.namedChildren.filter((c): c is Node => c !== null && (c.type === 'communication_case' || c.type === 'default_case'));
    const target: Target = { kind: 'switch', label, breaks: [], continues: [] };
    const outs: Array<State | null> = [];
    this.targets.push(target);
    try {
      for (const c of cases) outs.push(this.walkBlock(c.namedChildren.find((x) => x?.type === 'statement_list') ?? null, clone(s)));
    } finally {
      this.targets.pop();
    }
    return merge([...outs, ...target.breaks]);
  }

  private jump(stmt: Node, s: State): void {
    const label = stmt.namedChildren.find((c) => c?.type === 'label_name')?.text;
    const isBreak = stmt.type === 'break_statement';
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const t = this.targets[i];
      if (label ? t.label !== label : !isBreak && t.kind !== 'loop') continue;
      if (isBreak) t.breaks.push(clone(s));
      else t.continues.push({ state: clone(s), exit: { node: stmt, end: false } });
      return;
    }
    // A jump to a label we did not see (malformed code): give up on this function.
    throw new Unsupported();
  }

  private exit(s: State, exit: Exit): void {
    if (!this.recording) return;
    const at = exit.end ? exit.node.endIndex - 1 : exit.node.startIndex;
    for (const [key, poss] of s.locks) {
      // The caller held it on entry and gets it back held: the function restores, not leaks.
      if (this.callerHolds.has(key)) continue;
      for (const p of poss) {
        if (!isHeld(p) || s.deferAll || s.deferred.has(`${key}:${p.side}`) || !dominates(p, at)) continue;
        const list = this.result.leaks.get(p.lock) ?? [];
        if (!list.some((e) => e.node.id === exit.node.id && e.end === exit.end)) list.push(exit);
        this.result.leaks.set(p.lock, list);
      }
    }
  }

  /** The lock (and its key) that is surely held at offset `at`, if any. */
  private heldAt(s: State, at: number): { key: string; held: Held } | undefined {
    for (const [key, poss] of s.locks) {
      for (const p of poss) if (isHeld(p) && dominates(p, at)) return { key, held: p };
    }
    return undefined;
  }

  private blockingAt(node: Node, s: State, what: 'send' | 'receive' | 'wait', target: Node | null): void {
    if (!this.recording || !target) return;
    const h = this.heldAt(s, node.startIndex);
    if (h && this.once(`blocking:${node.id}`)) this.result.blocking.push({ at: node, key: h.key, lock: h.held.lock, held: h.held.side, what, target });
  }

  /**
   * Looks inside a simple statement or a header expression for what matters while a lock is
   * held: channel operations, `wg.Wait()`, and calls of methods that take the same lock.
   */
  private scan(node: Node, s: State): void {
    if (!this.recording) return;
    let anyHeld = false;
    for (const poss of s.locks.values()) if (poss.some(isHeld)) anyHeld = true;
    if (!anyHeld) return;
    const text = node.text;
    const channel = text.includes('<-');
    const wait = text.includes('.Wait(');
    const calls = text.includes('(');
    if (!channel && !wait && !calls) return;
    const literals = node.descendantsOfType('func_literal').filter((n): n is Node => n !== null);
    const inLiteral = (n: Node) => literals.some((l) => n.startIndex >= l.startIndex && n.endIndex <= l.endIndex);
    if (channel) {
      for (const n of node.type === 'send_statement' ? [node] : node.descendantsOfType(['send_statement', 'unary_expression'])) {
        if (!n || inLiteral(n)) continue;
        if (n.type === 'send_statement') this.blockingAt(n, s, 'send', n.childForFieldName('channel'));
        else if (isReceive(n)) this.blockingAt(n, s, 'receive', n.childForFieldName('operand'));
      }
    }
    for (const call of node.descendantsOfType('call_expression')) {
      if (!call || inLiteral(call)) continue;
      if (wait && this.hooks.isWaitGroupWait(call)) this.blockingAt(call, s, 'wait', call.childForFieldName('function')?.childForFieldName('operand') ?? null);
      for (const m of this.hooks.methodLocks(call)) {
        const poss = s.locks.get(m.key) ?? [];
        const p = poss.find((q): q is Held => isHeld(q) && dominates(q, call.startIndex) && !(q.side === 'r' && m.side === 'r'));
        if (p && this.once(`double:${call.id}`)) this.result.doubles.push({ at: call, key: m.key, first: p.lock, method: m.method });
      }
    }
  }
}
