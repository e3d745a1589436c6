/**
 * A small structured path walk over Go statements: from one statement to every way out of
 * its function, does each path pass a "use" (any node that `used` accepts)? It follows
 * if/else, switch, select, loops, break/continue and early returns without building a
 * control-flow graph; whatever it cannot follow (goto, labelled jumps) ends the path quietly,
 * because a missed leak costs less than a false one.
 */
import type { Node } from '../parser';

/** How control leaves a statement (or a run of statements) when no use was passed. */
interface Outcome {
  /** Returns reached without a use. */
  leaks: Node[];
  /** Control can continue with the next statement without a use. */
  out: boolean;
  /** An unlabelled `break` was reached without a use. */
  brk: boolean;
  /** An unlabelled `continue` was reached without a use. */
  cont: boolean;
}

const DONE: Outcome = { leaks: [], out: false, brk: false, cont: false };
const OUT: Outcome = { leaks: [], out: true, brk: false, cont: false };

const CASES = new Set(['expression_case', 'type_case', 'default_case', 'communication_case']);
const SWITCHES = new Set(['expression_switch_statement', 'type_switch_statement', 'select_statement']);

/** Calls after which the function does not return normally. */
const NO_RETURN = new Set(['panic', 'os.Exit', 'log.Fatal', 'log.Fatalf', 'log.Fatalln', 'log.Panic', 'log.Panicf', 'log.Panicln', 'runtime.Goexit']);
const NO_RETURN_METHODS = new Set(['Fatal', 'Fatalf', 'FailNow', 'Skip', 'Skipf', 'SkipNow']);

function isNoReturnCall(stmt: Node): boolean {
  const call = stmt.namedChildren[0];
  if (call?.type !== 'call_expression') return false;
  const fn = call.childForFieldName('function');
  if (!fn) return false;
  if (NO_RETURN.has(fn.text)) return true;
  return fn.type === 'selector_expression' && NO_RETURN_METHODS.has(fn.childForFieldName('field')?.text ?? '');
}

/** The statements of a block or a case clause (comments left out). */
export function statementsOf(node: Node | null): Node[] {
  const list = node?.namedChildren.find((c) => c?.type === 'statement_list');
  return list ? list.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment') : [];
}

/** Whether a `for` has no condition: only a return, break or panic leaves it. */
export function isInfiniteLoop(loop: Node): boolean {
  for (const c of loop.namedChildren) {
    if (!c || c.id === loop.childForFieldName('body')?.id || c.type === 'comment') continue;
    if (c.type === 'for_clause') return c.childForFieldName('condition') === null;
    return false; // a condition or a range clause
  }
  return true;
}

function merge(parts: Outcome[]): Outcome {
  return {
    leaks: parts.flatMap((p) => p.leaks),
    out: parts.some((p) => p.out),
    brk: parts.some((p) => p.brk),
    cont: parts.some((p) => p.cont),
  };
}

/** Walks paths after a statement, treating any node for which `used` holds as covering. */
export class PathWalker {
  constructor(private readonly used: (node: Node) => boolean) {}

  /** Runs the statements `stmts[from..]` in order. */
  list(stmts: readonly Node[], from: number): Outcome {
    const leaks: Node[] = [];
    let brk = false;
    let cont = false;
    for (let i = from; i < stmts.length; i++) {
      const r = this.stmt(stmts[i]);
      leaks.push(...r.leaks);
      brk ||= r.brk;
      cont ||= r.cont;
      if (!r.out) return { leaks, out: false, brk, cont };
    }
    return { leaks, out: true, brk, cont };
  }

  private usedIn(...nodes: Array<Node | null>): boolean {
    return nodes.some((n) => n !== null && this.used(n));
  }

  stmt(s: Node): Outcome {
    switch (s.type) {
      case 'return_statement':
        return this.used(s) ? DONE : { ...DONE, leaks: [s] };
      case 'block':
        return this.list(statementsOf(s), 0);
      case 'labeled_statement': {
        const inner = s.namedChildren[1];
        return inner ? this.stmt(inner) : OUT;
      }
      case 'if_statement': {
        if (this.usedIn(s.childForFieldName('initializer'), s.childForFieldName('condition'))) return DONE;
        const cons = s.childForFieldName('consequence');
        const alt = s.childForFieldName('alternative');
        return merge([cons ? this.stmt(cons) : OUT, alt ? this.stmt(alt) : OUT]);
      }
      case 'expression_switch_statement':
      case 'type_switch_statement':
      case 'select_statement':
        return this.switchLike(s);
      case 'for_statement': {
        const body = s.childForFieldName('body');
        const header = s.namedChildren.filter((c) => c !== null && c.id !== body?.id);
        if (this.usedIn(...header)) return DONE;
        const r = body ? this.stmt(body) : OUT;
        return { leaks: r.leaks, out: !isInfiniteLoop(s) || r.brk, brk: false, cont: false };
      }
      case 'break_statement':
        // A labelled jump goes where this walk does not follow: end the path quietly.
        return s.namedChildren.length > 0 ? DONE : { ...DONE, brk: true };
      case 'continue_statement':
        return s.namedChildren.length > 0 ? DONE : { ...DONE, cont: true };
      case 'goto_statement':
        return DONE;
      case 'expression_statement':
        if (this.used(s) || isNoReturnCall(s)) return DONE;
        return OUT;
      default:
        return this.used(s) ? DONE : OUT;
    }
  }

  private switchLike(s: Node): Outcome {
    if (this.usedIn(s.childForFieldName('initializer'), s.childForFieldName('value'))) return DONE;
    const cases = s.namedChildren.filter((c): c is Node => c !== null && CASES.has(c.type));
    const parts = cases.map((c) => (c.type === 'communication_case' && this.usedIn(c.childForFieldName('communication')) ? DONE : this.list(statementsOf(c), 0)));
    const r = merge(parts);
    const hasDefault = cases.some((c) => c.type === 'default_case');
    // A switch without default may match nothing; a select always runs one case (or blocks).
    const skips = s.type !== 'select_statement' && !hasDefault;
    return { leaks: r.leaks, out: r.out || r.brk || skips, brk: false, cont: r.cont };
  }

  /**
   * Continues from the end of `list` (a statement_list) outwards to the end of `fn`, given how
   * control left the list. Returns the leaks found and whether control falls off the end of
   * the function body without a use. With `perIteration` (the variable is declared inside the
   * loops around it), going round a loop again is a leak too, reported as the loop.
   */
  escape(list: Node, start: Outcome, fn: Node, perIteration = false): { leaks: Node[]; fallsOff: boolean } {
    const leaks = [...start.leaks];
    let state = { out: start.out, brk: start.brk, cont: start.cont };
    let node = list;
    while (state.out || state.brk || state.cont) {
      const owner = node.parent;
      if (!owner) break;
      let stmt: Node;
      if (owner.type === 'block') {
        const holder = owner.parent;
        if (!holder) break;
        if (holder.id === fn.id) return { leaks, fallsOff: state.out };
        stmt = holder.type === 'statement_list' ? owner : holder;
      } else if (CASES.has(owner.type) && owner.parent) {
        stmt = owner.parent;
      } else {
        break;
      }
      // `else if` nests if statements; the statement in the list is the outermost.
      while (stmt.parent?.type === 'if_statement') stmt = stmt.parent;
      if (stmt.type === 'for_statement') {
        const again = state.out || state.cont;
        // The next iteration declares a new variable: the old value is lost unused. The loop
        // itself stands for that path.
        if (again && perIteration) leaks.push(stmt);
        state = { out: state.brk || (again && !isInfiniteLoop(stmt)), brk: false, cont: false };
      } else if (SWITCHES.has(stmt.type)) {
        state = { out: state.out || state.brk, brk: false, cont: state.cont };
      } else if (stmt.type !== 'if_statement' && stmt.type !== 'block') {
        break; // a func literal or something this walk does not model
      }
      while (stmt.parent?.type === 'labeled_statement') stmt = stmt.parent;
      const outer = stmt.parent;
      if (outer?.type !== 'statement_list') break;
      if (state.out) {
        const siblings = outer.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
        const index = siblings.findIndex((c) => c.id === stmt.id);
        const r = this.list(siblings, index + 1);
        leaks.push(...r.leaks);
        state = { out: r.out, brk: state.brk || r.brk, cont: state.cont || r.cont };
      }
      node = outer;
    }
    return { leaks, fallsOff: false };
  }
}

