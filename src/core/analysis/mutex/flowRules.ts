/**
 * The rules drawn from the lock-state walk ({@link walkFunction}): unlock-missing,
 * double-lock, unlock-mismatch, unlock-unlocked, lock-in-loop and blocking-under-lock. The
 * walk runs once per function per unit; each rule picks its findings from the shared result
 * after checking that the lock really is a mutex (see {@link isKnownMutex}).
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { findDeclarationBelow, nodeRange } from '../syntax';
import type { Fix, Related, Severity, TextEdit } from '../types';
import { deleteStatement, insertAfter, insertBeforeExit, lineOf } from './edits';
import { findCounterpart, flatText } from './counterpart';
import { type Exit, type FlowHooks, type FlowResult, walkFunction } from './flow';
import { isKnownMutex, isKnownWaitGroup } from './kinds';
import { type LockCall, mutexUnit, receiverName, within } from './unit';

/** Findings of the flow rules for one unit, by code. */
type ByCode = Map<string, RawFinding[]>;

const cache = new WeakMap<RuleContext, ByCode>();

/** Names of functions that take a lock for their caller on purpose. */
const LOCK_HELPER = /lock|acquire|enter|begin|start|grab|hold/i;

function receiverTypeName(fn: Node): string | undefined {
  let t = fn.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('type') ?? null;
  if (t?.type === 'pointer_type') t = t.namedChildren[0];
  if (t?.type === 'generic_type') t = t.childForFieldName('type');
  return t?.type === 'type_identifier' ? t.text : undefined;
}

function hooksFor(ctx: RuleContext, fn: Node, byCall: ReadonlyMap<number, LockCall>): FlowHooks {
  const recv = receiverName(fn);
  const type = recv ? receiverTypeName(fn) : undefined;
  // The package's methods of this receiver type (any file of the package) that lock it first
  // thing: calling one with that lock held is a double lock.
  const methods = type ? ctx.pkg.methodsOf(type) : undefined;
  return {
    byCall,
    methodLocks(call) {
      if (!recv || !methods) return [];
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'selector_expression' || callee.childForFieldName('operand')?.text !== recv) return [];
      const method = callee.childForFieldName('field')?.text ?? '';
      return (methods.get(method)?.locks ?? []).map((e) => ({ key: recv + e.suffix, side: e.side, method }));
    },
    isWaitGroupWait(call) {
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'selector_expression' || callee.childForFieldName('field')?.text !== 'Wait') return false;
      const operand = callee.childForFieldName('operand');
      return !!operand && (call.childForFieldName('arguments')?.namedChildCount ?? 1) === 0 && isKnownWaitGroup(ctx, fn, operand);
    },
  };
}

/** What the function does with each lock, to decide whether the names alone make it a mutex. */
interface KeyFacts {
  acquires: LockCall[];
  releases: LockCall[];
  /** A closure inside the function (not a deferred one) locks or unlocks it: a hand-off. */
  handedOff: boolean;
  /** Other functions (closures in or around this one) that acquire / release it. */
  handedOffAcq: Set<number>;
  handedOffRel: Set<number>;
  known: boolean;
}

function keyFacts(ctx: RuleContext, fn: Node, calls: readonly LockCall[], all: readonly LockCall[]): Map<string, KeyFacts> {
  const out = new Map<string, KeyFacts>();
  for (const c of calls) {
    let k = out.get(c.key);
    if (!k) out.set(c.key, (k = { acquires: [], releases: [], handedOff: false, handedOffAcq: new Set(), handedOffRel: new Set(), known: false }));
    (c.acquire ? k.acquires : k.releases).push(c);
  }
  // Closures inside this function, or the functions this closure sits in, that take or
  // release the same lock without balancing it hand the lock over (`mu.Lock(); go func() {
  // ...; mu.Unlock() }()`). Balanced use elsewhere is just another critical section.
  for (const c of all) {
    const k = out.get(c.key);
    if (!k || c.fn.id === fn.id || !(within(c.fn, fn) || within(fn, c.fn))) continue;
    // `defer func() { mu.Unlock() }()` releases for this function.
    if (!c.acquire && within(c.fn, fn) && c.fn.parent?.parent?.type === 'defer_statement') {
      k.releases.push(c);
      continue;
    }
    // The other function's first operation on it being an Unlock also means it was handed
    // the lock (`aio.mu.Lock(); go func() { ...; aio.mu.Unlock(); ...; aio.mu.Lock() ...`).
    if (!c.acquire && !k.handedOffAcq.has(c.fn.id) && !k.handedOffRel.has(c.fn.id)) k.handedOff = true;
    (c.acquire ? k.handedOffAcq : k.handedOffRel).add(c.fn.id);
  }
  for (const [, k] of out) {
    for (const id of new Set([...k.handedOffAcq, ...k.handedOffRel])) {
      if (k.handedOffAcq.has(id) !== k.handedOffRel.has(id)) k.handedOff = true;
    }
  }
  for (const [, k] of out) {
    // The type lookup is costly: only when the names alone do not pair up.
    if (k.acquires.length > 0 && k.releases.length > 0) continue;
    const sample = k.acquires[0] ?? k.releases[0];
    k.known = !!sample && isKnownMutex(ctx, fn, sample.operand);
  }
  return out;
}

/** Whether the names pair up (Lock and Unlock, or RLock and RUnlock, on the same expression) or the type says mutex. */
function recognised(k: KeyFacts): boolean {
  return k.known || (k.acquires.length > 0 && k.releases.length > 0);
}

function exitRelated(exit: Exit, key: string, what: string): Related {
  if (!exit.end) return { range: nodeRange(exit.node), message: `${exit.node.type === 'continue_statement' ? 'continues' : 'returns'} here with '${key}' still ${what}` };
  const end = nodeRange(exit.node).end;
  return { range: { start: { line: end.line, character: Math.max(0, end.character - 1) }, end }, message: `reaches the end of the body with '${key}' still ${what}` };
}

function releaseOf(lc: LockCall): string {
  return lc.side === 'r' ? 'RUnlock' : 'Unlock';
}

function unlockBeforeExitsFix(ctx: RuleContext, lc: LockCall, exits: readonly Exit[], what: string): Fix | undefined {
  const edits: TextEdit[] = [];
  for (const exit of exits) {
    const e = insertBeforeExit(ctx.text, exit, `${lc.key}.${releaseOf(lc)}()`);
    if (!e) return undefined;
    edits.push(e);
  }
  return edits.length > 0 ? { title: `Call '${lc.key}.${releaseOf(lc)}()' before ${what}`, edits } : undefined;
}

/** The identifier a key starts from: `s` in `s.mu`, `mu` in `mu`. */
function rootOf(operand: Node): Node | null {
  let n: Node | null = operand;
  while (n && (n.type === 'selector_expression' || n.type === 'parenthesized_expression' || n.type === 'index_expression')) {
    n = n.type === 'parenthesized_expression' ? n.namedChildren[0] : n.childForFieldName('operand');
  }
  return n?.type === 'identifier' ? n : null;
}

/**
 * The calls whose key means one mutex throughout the function. Identity is textual, so a key
 * is dropped when its name is declared twice (`mu` shadowed in an inner block) or when its
 * root, or a prefix of it, is assigned (`cur = next` in hand-over-hand locking).
 */
function stableCalls(fn: Node, calls: readonly LockCall[]): LockCall[] {
  const unstable = new Set<string>();
  const declOf = new Map<string, number>();
  for (const c of calls) {
    const root = rootOf(c.operand);
    if (!root) {
      unstable.add(c.key);
      continue;
    }
    const id = findDeclarationBelow(root, root.text, fn.parent ?? fn)?.id ?? -1;
    const seen = declOf.get(c.key);
    if (seen !== undefined && seen !== id) unstable.add(c.key);
    declOf.set(c.key, id);
  }
  const keys = [...declOf.keys()];
  if (keys.length > unstable.size) {
    for (const a of fn.descendantsOfType('assignment_statement')) {
      for (const target of a?.childForFieldName('left')?.namedChildren ?? []) {
        const t = target?.text.replace(/\s+/g, '');
        if (!t) continue;
        for (const k of keys) if (k === t || k.startsWith(`${t}.`)) unstable.add(k);
      }
    }
  }
  return unstable.size === 0 ? [...calls] : calls.filter((c) => !unstable.has(c.key));
}

/** Whether the lock's root variable is declared inside `fn` (a local mutex). */
function isLocal(fn: Node, lc: LockCall): boolean {
  const root = rootOf(lc.operand);
  const decl = root ? findDeclarationBelow(root, root.text, fn) : null;
  return !!decl && within(decl, fn);
}

/** Whether `exit` is falling off the end of `fn`, or its body's last statement. */
function isFinalExit(fn: Node, exit: Exit): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  if (exit.end) return exit.node.id === body.id;
  const list = body.namedChildren.find((c) => c?.type === 'statement_list');
  const stmts = list?.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment') ?? [];
  return stmts.length > 0 && stmts[stmts.length - 1].id === exit.node.id;
}

function analyse(ctx: RuleContext): ByCode {
  const out: ByCode = new Map();
  const push = (f: RawFinding) => {
    const list = out.get(f.code) ?? [];
    list.push(f);
    out.set(f.code, list);
  };
  const unit = mutexUnit(ctx);
  const all = [...unit.byCall.values()];
  for (const { fn, calls: own } of unit.locking) {
    ctx.file.checkDeadline();
    const calls = stableCalls(fn, own);
    if (calls.length === 0) continue;
    const fnText = ctx.text.slice(fn.startIndex, fn.endIndex);
    // TryLock makes holding depend on a result the walk does not follow.
    if (fnText.includes('TryLock(') || fnText.includes('TryRLock(')) continue;
    const facts = keyFacts(ctx, fn, calls, all);
    if (![...facts.values()].some(recognised)) continue;
    const result: FlowResult | undefined = walkFunction(fn, calls, hooksFor(ctx, fn, unit.byCall));
    if (!result) continue;
    const fnName = fn.childForFieldName('name')?.text ?? '';
    const ok = (key: string) => {
      const k = facts.get(key);
      return !!k && recognised(k);
    };

    for (const [lc, exits] of result.leaks) {
      const k = facts.get(lc.key);
      if (!k || !recognised(k) || k.handedOff) continue;
      // Named for taking a lock (`acquireForkLock`, `lockSlow`): holding it on return is the point.
      if (LOCK_HELPER.test(fnName)) continue;
      // A function that never releases the lock may take it for its caller on purpose
      // (`WriteMode()` paired with `ReadMode()`), unless the mutex is its own local variable,
      // which nobody else can unlock, or it leaks at an early return.
      if (k.releases.length === 0 && (!k.known || (exits.every((e) => isFinalExit(fn, e)) && !isLocal(fn, lc)))) continue;
      // Released on the early ways out but held at the last one: a function that hands the
      // lock to its caller on success (`grabConn`, `Scan` holding for the next call). The
      // classic bug is the other way round: an early return that forgets to unlock.
      if (k.releases.length > 0 && exits.every((e) => isFinalExit(fn, e))) continue;
      const fixes: Fix[] = [];
      const explicit = k.releases.some((r) => !r.deferred && r.fn.id === fn.id);
      if (!explicit && lc.stmt) {
        fixes.push({ title: `Add 'defer ${lc.key}.${releaseOf(lc)}()' after the ${lc.op}`, edits: [insertAfter(ctx.text, lc.stmt, `defer ${lc.key}.${releaseOf(lc)}()`)], isPreferred: true });
      }
      // Only where the function already unlocks by hand; otherwise the defer is the fix.
      const before = explicit ? unlockBeforeExitsFix(ctx, lc, exits, exits.length > 1 ? 'each return that leaves it locked' : 'the return that leaves it locked') : undefined;
      if (before) fixes.push({ ...before, isPreferred: true });
      push({
        code: 'mutex/unlock-missing',
        message: `'${lc.key}.${lc.op}()' is not released on every path: the function can return with '${lc.key}' locked, and the next ${lc.op} blocks forever`,
        range: nodeRange(lc.call),
        related: exits.map((e) => exitRelated(e, lc.key, 'locked')),
        fixes,
      });
    }

    for (const [lc, { loop, exits }] of result.loopLeaks) {
      const k = facts.get(lc.key);
      if (!k || !recognised(k) || k.handedOff) continue;
      // A lock reached from a variable of the iteration (`for _, n := range` or `next := ...`
      // in the body) is another mutex next time round: a leak perhaps, but no self-deadlock.
      const root = rootOf(lc.operand);
      const decl = root ? findDeclarationBelow(root, root.text, fn.parent ?? fn) : null;
      const deferredInLoop = k.releases.some((r) => r.deferred && within(r.call, loop));
      if (!deferredInLoop && (!root || (decl && within(decl, loop)))) continue;
      const deferred = deferredInLoop;
      const fix = deferred ? undefined : unlockBeforeExitsFix(ctx, lc, exits, 'the next iteration');
      push({
        code: 'mutex/lock-in-loop',
        message: deferred
          ? `'${lc.key}.${lc.op}()' in a loop is released by a defer, which runs only when the function returns: the second iteration deadlocks`
          : `'${lc.key}.${lc.op}()' in a loop body is still held when the next iteration starts: its ${lc.op} deadlocks`,
        range: nodeRange(lc.call),
        related: exits.map((e) => exitRelated(e, lc.key, 'locked')),
        fixes: fix ? [{ ...fix, isPreferred: true }] : [],
      });
    }

    for (const d of result.doubles) {
      const k = facts.get(d.key);
      if (!k || !recognised(k) || k.handedOff) continue;
      push({
        code: 'mutex/double-lock',
        message: d.method
          ? `'${d.method}' locks '${d.key}', which is already held here (locked at line ${lineOf(d.first.call)}): Go mutexes are not reentrant, this deadlocks`
          : `'${d.key}' is locked again while already held (locked at line ${lineOf(d.first.call)}): Go mutexes are not reentrant, this deadlocks`,
        range: nodeRange(d.at),
        related: [{ range: nodeRange(d.first.call), message: `'${d.key}' first locked here` }],
        fixes: [],
      });
    }

    for (const m of result.mismatches) {
      if (!ok(m.unlock.key)) continue;
      const right = releaseOf(m.held);
      push({
        code: 'mutex/unlock-mismatch',
        message: `'${m.unlock.key}' was locked with ${m.held.op} but is released with ${m.unlock.op}: use ${right}`,
        range: nodeRange(m.unlock.call),
        related: [{ range: nodeRange(m.held.call), message: `'${m.held.key}.${m.held.op}()' here` }],
        fixes: [{ title: `Use '${m.unlock.key}.${right}()'`, edits: [{ range: nodeRange(m.unlock.field), newText: right }], isPreferred: true }],
      });
    }

    for (const u of result.unlocked) {
      const k = facts.get(u.key);
      if (!k || !recognised(k) || k.handedOff) continue;
      const del = u.stmt && !u.deferred ? deleteStatement(ctx.text, u.stmt) : undefined;
      push({
        code: 'mutex/unlock-unlocked',
        message: `'${u.key}.${u.op}()' runs on a path where this function does not hold '${u.key}' (never locked there, or already unlocked): unlocking an unlocked mutex is a fatal error`,
        range: nodeRange(u.call),
        related: k.acquires.slice(0, 1).map((a) => ({ range: nodeRange(a.call), message: `'${u.key}' is locked here on other paths` })),
        fixes: del ? [{ title: `Remove this '${u.key}.${u.op}()'`, edits: [del] }] : [],
      });
    }

    for (const b of result.blocking) {
      if (!ok(b.key) || facts.get(b.key)?.handedOff) continue;
      const target = flatText(b.target);
      const other = findCounterpart(ctx, fn, b.key, b.held, b.what, target);
      if (!other) continue;
      const what = b.what === 'send' ? `send on '${target}'` : b.what === 'receive' ? `receive from '${target}'` : `'${target}.Wait()'`;
      push({
        code: 'mutex/blocking-under-lock',
        message: `${what} blocks while '${b.key}' is held (locked at line ${lineOf(b.lock.call)}), and the other side needs '${b.key}' to proceed: this can deadlock`,
        range: nodeRange(b.at),
        related: [
          { range: nodeRange(b.lock.call), message: `'${b.key}' locked here` },
          { range: nodeRange(other.node), message: other.message },
        ],
        fixes: [],
      });
    }
  }
  return out;
}

function flowRule(code: string, summary: string, defaultSeverity: Severity): Rule {
  return {
    meta: { code, summary, defaultSeverity },
    check(ctx: RuleContext): RawFinding[] {
      let byCode = cache.get(ctx);
      if (!byCode) cache.set(ctx, (byCode = analyse(ctx)));
      return byCode.get(code) ?? [];
    },
  };
}

/** mutex/unlock-missing: a Lock not released on some path out of the function. */
export const unlockMissingRule = flowRule('mutex/unlock-missing', 'Lock()/RLock() not released on some path out of the function.', 'warning');
/** mutex/double-lock: the same mutex locked twice on one path (directly or through a method of the receiver). */
export const doubleLockRule = flowRule('mutex/double-lock', 'Mutex locked again on a path where it is already held (self-deadlock).', 'error');
/** mutex/unlock-mismatch: RLock released with Unlock, or Lock with RUnlock. */
export const unlockMismatchRule = flowRule('mutex/unlock-mismatch', 'RLock released with Unlock, or Lock released with RUnlock.', 'error');
/** mutex/unlock-unlocked: an Unlock on a path where this function does not hold the lock. */
export const unlockUnlockedRule = flowRule('mutex/unlock-unlocked', 'Unlock() on a path where the function has not locked the mutex (or already unlocked it).', 'error');
/** mutex/lock-in-loop: a Lock in a loop body still held when the next iteration starts. */
export const lockInLoopRule = flowRule('mutex/lock-in-loop', 'Lock() in a loop body without an Unlock in the same iteration.', 'warning');
/** mutex/blocking-under-lock: a channel operation or WaitGroup.Wait while a lock is held. */
export const blockingUnderLockRule = flowRule('mutex/blocking-under-lock', 'Lock held across a blocking channel operation or WaitGroup.Wait (deadlock risk).', 'warning');
