/**
 * The mutex rules that need no path walk: `defer mu.Lock()` (mutex/defer-lock) and a Lock
 * immediately followed by its Unlock (mutex/empty-critical-section).
 */
import type { RawFinding, Rule, RuleContext } from '../rule';
import { nodeRange } from '../syntax';
import { mutexUnit } from './unit';

/** mutex/defer-lock: `defer mu.Lock()` where `defer mu.Unlock()` was meant. */
export const deferLockRule: Rule = {
  meta: {
    code: 'mutex/defer-lock',
    summary: '`defer mu.Lock()` where `defer mu.Unlock()` was meant.',
    defaultSeverity: 'error',
  },
  check(ctx: RuleContext): RawFinding[] {
    const findings: RawFinding[] = [];
    for (const { calls } of mutexUnit(ctx).locking) {
      ctx.file.checkDeadline();
      for (const lc of calls) {
        if (!lc.deferred || !lc.acquire || !lc.stmt) continue;
        // The same lock taken earlier in the function, or a declared mutex: the defer is a typo.
        // The last operation on it before the defer must be a Lock: after an Unlock,
        // `defer mu.Lock()` re-takes the lock for the caller on purpose.
        const before = calls.filter((c) => c.key === lc.key && !c.deferred && c.call.startIndex < lc.call.startIndex);
        const last = before[before.length - 1];
        if (!last?.acquire) continue;
        const right = lc.side === 'r' ? 'RUnlock' : 'Unlock';
        findings.push({
          code: 'mutex/defer-lock',
          message: `'defer ${lc.key}.${lc.op}()' locks '${lc.key}' again when the function returns instead of releasing it: did you mean 'defer ${lc.key}.${right}()'?`,
          range: nodeRange(lc.stmt),
          related: [],
          fixes: [{ title: `Use 'defer ${lc.key}.${right}()'`, edits: [{ range: nodeRange(lc.field), newText: right }], isPreferred: true }],
        });
      }
    }
    return findings;
  },
};

/**
 * Whether a line comment sits in the few lines above offset `at` within the same block (the
 * scan stops at a line that opens a block, so a function's doc comment does not count).
 */
function commentedAbove(text: string, at: number): boolean {
  let end = text.lastIndexOf('\n', at - 1);
  for (let n = 0; n < 4 && end > 0; n++) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (line.startsWith('//')) return true;
    if (line.endsWith('{')) return false;
    end = start - 1;
  }
  return false;
}

/** mutex/empty-critical-section: `mu.Lock()` directly followed by `mu.Unlock()`. */
export const emptyCriticalSectionRule: Rule = {
  meta: {
    code: 'mutex/empty-critical-section',
    summary: 'Lock() immediately followed by Unlock(): the critical section protects nothing.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const findings: RawFinding[] = [];
    const unit = mutexUnit(ctx);
    for (const { calls } of unit.locking) {
      ctx.file.checkDeadline();
      for (const lc of calls) {
        if (!lc.acquire || lc.deferred || lc.stmt?.type !== 'expression_statement') continue;
        let next = lc.stmt.nextNamedSibling;
        while (next?.type === 'comment') next = next.nextNamedSibling;
        const call = next?.type === 'expression_statement' ? next.namedChildren[0] : null;
        const un = call ? unit.byCall.get(call.id) : undefined;
        if (!un || un.acquire || un.key !== lc.key || un.side !== lc.side) continue;
        // A comment right above or beside it says the empty section is on purpose: a barrier
        // that waits for current holders (`mu.Lock(); mu.Unlock() // wait for writers`).
        // (Comments are extras that tree-sitter may hang elsewhere, so read the text.)
        const commentAbove = commentedAbove(ctx.text, lc.stmt.startIndex);
        const unlockStmt = next as NonNullable<typeof next>;
        const lineEnd = ctx.text.indexOf('\n', unlockStmt.endIndex);
        const between = ctx.text.slice(lc.stmt.endIndex, unlockStmt.startIndex);
        const trailing = ctx.text.slice(unlockStmt.endIndex, lineEnd === -1 ? undefined : lineEnd);
        // A comment on a line of its own between them counts; a trailing one on the Lock line does not.
        const ownLine = /\n[ \t]*(\/\/|\/\*)/.test(between);
        if (commentAbove || ownLine || trailing.includes('//')) continue;
        findings.push({
          code: 'mutex/empty-critical-section',
          message: `'${lc.key}.${lc.op}()' is immediately followed by '${un.key}.${un.op}()': the critical section protects nothing (if it waits for other holders on purpose, say so in a comment)`,
          range: nodeRange(lc.call),
          related: [{ range: nodeRange(un.call), message: 'released here' }],
          fixes: [],
        });
      }
    }
    return findings;
  },
};
