/**
 * closure/shared-write: a goroutine closure assigns a variable of the enclosing function that
 * the function (or another goroutine) also uses with nothing in between that could order the
 * two: the classic `go func() { err = f() }()` followed by `return err`. Applies in every Go
 * version. Syntax-only, so it stays silent whenever synchronisation might exist (a lock, an
 * atomic, a Wait, a channel receive or a select between the two accesses).
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { enclosingFunction, findDeclarationBelow, functionParamNames, nodeRange } from '../syntax';
import type { Related } from '../types';
import { classifyEscape, isDeclaringIdentifier } from './escape';

/** Method names whose call may order memory accesses between goroutines. */
const SYNC_METHODS = new Set(['Lock', 'RLock', 'Unlock', 'RUnlock', 'Wait', 'Do', 'Load', 'Store', 'Swap', 'CompareAndSwap', 'Add']);

/** Whether `node` contains anything that may synchronise: lock, atomic, Wait, receive, select. */
function syncPoints(scope: Node): Node[] {
  const out: Node[] = [];
  for (const n of scope.descendantsOfType(['call_expression', 'unary_expression', 'select_statement', 'receive_statement', 'range_clause'])) {
    if (!n) continue;
    switch (n.type) {
      case 'call_expression': {
        const callee = n.childForFieldName('function');
        if (callee?.type === 'selector_expression') {
          const method = callee.childForFieldName('field')?.text ?? '';
          const pkg = callee.childForFieldName('operand')?.text;
          if (SYNC_METHODS.has(method) || pkg === 'atomic') out.push(n);
        }
        break;
      }
      case 'unary_expression':
        if (n.childForFieldName('operator')?.text === '<-' || n.child(0)?.type === '<-') out.push(n);
        break;
      case 'range_clause':
        // `for x := range ch` receives; without types we cannot tell a channel from a slice,
        // so treat every range as a possible receive (silence over a guess).
        out.push(n);
        break;
      default:
        out.push(n);
    }
  }
  return out;
}

/** Identifiers assigned (=, op=, ++, --) directly inside `fn`. */
function writesIn(fn: Node): Node[] {
  const out: Node[] = [];
  for (const stmt of fn.descendantsOfType(['assignment_statement', 'inc_statement', 'dec_statement'])) {
    if (!stmt) continue;
    const targets = stmt.type === 'assignment_statement' ? stmt.childForFieldName('left')?.namedChildren ?? [] : [stmt.namedChildren[0]];
    for (const t of targets) if (t?.type === 'identifier' && t.text !== '_') out.push(t);
  }
  return out;
}

function within(node: Node, outer: Node): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

/** The declaration `id` refers to inside `outer` (including its parameters), or null. */
function declarationIn(id: Node, outer: Node): Node | null {
  return findDeclarationBelow(id, id.text, outer) ?? functionParamNames(outer).find((n) => n.text === id.text) ?? null;
}

/** The innermost loop between `node` and `outer` whose body holds `node`, if any. */
function loopAround(node: Node, outer: Node): Node | null {
  for (let p = node.parent; p && p.id !== outer.id; p = p.parent) if (p.type === 'for_statement') return p;
  return null;
}

export const sharedWriteRule: Rule = {
  meta: {
    code: 'closure/shared-write',
    summary: 'Goroutine closure writes a captured variable that is also used outside it without synchronisation.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const findings: RawFinding[] = [];
    for (const fn of ctx.closures()) {
      ctx.file.checkDeadline();
      const escape = classifyEscape(fn);
      if (!escape || (escape.kind !== 'go' && escape.kind !== 'group-go')) continue;
      const outer = enclosingFunction(fn);
      if (!outer) continue;
      const writes = writesIn(fn);
      if (writes.length === 0 || syncPoints(fn).length > 0) continue;

      const byName = new Map<string, Node[]>();
      for (const w of writes) {
        const decl = declarationIn(w, outer);
        // Declared inside the goroutine, or outside this function (package level): not ours to judge.
        if (!decl || within(decl, fn)) continue;
        const list = byName.get(w.text) ?? [];
        list.push(w);
        byName.set(w.text, list);
      }
      if (byName.size === 0) continue;

      const outerSync = syncPoints(outer).filter((p) => !within(p, fn));
      const identifiers = outer.descendantsOfType('identifier');
      const loop = loopAround(escape.site, outer);
      for (const [name, sites] of byName) {
        const decl = declarationIn(sites[0], outer)!;
        let other: Node | undefined;
        let why = '';
        // A loop that waits for each goroutine (a receive, Wait or select after the go statement
        // in the same body) runs them one at a time; otherwise they overlap.
        const waitsEachIteration = loop && outerSync.some((p) => p.startIndex >= escape.site.endIndex && within(p, loop));
        if (loop && !within(decl, loop) && !waitsEachIteration) {
          other = sites[0];
          why = 'goroutines started in a loop all write it';
        } else {
          for (const id of identifiers) {
            if (!id || id.text !== name || within(id, fn) || id.id === decl.id || isDeclaringIdentifier(id)) continue;
            if (declarationIn(id, outer)?.id !== decl.id) continue;
            const after = id.startIndex >= escape.site.endIndex;
            if (!after) continue;
            // A later access inside another goroutine has no order with this one either;
            // a later access in this function is ordered if a sync point lies between.
            const ordered = outerSync.some((p) => p.startIndex >= escape.site.endIndex && p.startIndex < id.startIndex);
            if (!ordered) {
              other = id;
              why = `it is also used at line ${id.startPosition.row + 1} with no Wait, lock or channel receive in between`;
              break;
            }
          }
        }
        if (!other) continue;
        const related: Related[] = [
          { range: nodeRange(decl), message: `'${name}' declared here` },
          { range: nodeRange(escape.site), message: 'goroutine started here' },
        ];
        if (other !== sites[0]) related.push({ range: nodeRange(other), message: `unsynchronised use of '${name}'` });
        const seen = new Set<number>();
        for (const site of sites) {
          if (seen.has(site.startPosition.row)) continue;
          seen.add(site.startPosition.row);
          findings.push({
            code: 'closure/shared-write',
            message: `goroutine writes captured variable '${name}' while ${why}: a data race`,
            range: nodeRange(site),
            related,
            fixes: [],
          });
        }
      }
    }
    return findings;
  },
};
