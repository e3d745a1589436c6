/**
 * Small helpers over tree-sitter-go nodes shared by the rules: ranges, function boundaries,
 * and a scope walk that answers "does this name still mean the variable declared there?".
 */
import type { Node } from './parser';
import type { Position, Range } from './types';

export function toPosition(p: { row: number; column: number }): Position {
  return { line: p.row, character: p.column };
}

export function nodeRange(node: Node): Range {
  return { start: toPosition(node.startPosition), end: toPosition(node.endPosition) };
}

const FUNCTION_TYPES = new Set(['function_declaration', 'method_declaration', 'func_literal']);

export function isFunction(node: Node): boolean {
  return FUNCTION_TYPES.has(node.type);
}

/** The innermost function (declaration or literal) that contains `node`, excluding `node` itself. */
export function enclosingFunction(node: Node): Node | null {
  for (let p = node.parent; p; p = p.parent) if (isFunction(p)) return p;
  return null;
}

/** Identifiers directly named in an expression_list (or a single identifier). */
export function listIdentifiers(node: Node | null): Node[] {
  if (!node) return [];
  if (node.type === 'identifier') return [node];
  if (node.type !== 'expression_list') return [];
  return node.namedChildren.filter((c): c is Node => c !== null && c.type === 'identifier');
}

/** Whether an unnamed token (e.g. `:=`) is a direct child of `node`. */
export function hasToken(node: Node, token: string): boolean {
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i);
    if (c && !c.isNamed && c.type === token) return true;
  }
  return false;
}

/** The variables a `for` statement declares for its iterations (3-clause `:=` or range `:=`). */
export function loopVariables(forStmt: Node): Node[] {
  for (const child of forStmt.namedChildren) {
    if (!child) continue;
    if (child.type === 'for_clause') {
      const init = child.childForFieldName('initializer');
      if (init?.type === 'short_var_declaration') return listIdentifiers(init.childForFieldName('left'));
    } else if (child.type === 'range_clause' && hasToken(child, ':=')) {
      return listIdentifiers(child.childForFieldName('left'));
    }
  }
  return [];
}

/** Names a function (declaration or literal) binds: receiver, parameters and named results. */
export function functionParamNames(fn: Node): Node[] {
  const names: Node[] = [];
  for (const field of ['receiver', 'parameters', 'result']) {
    const list = fn.childForFieldName(field);
    if (!list || list.type !== 'parameter_list') continue;
    for (const decl of list.namedChildren) {
      if (!decl) continue;
      for (const n of decl.childrenForFieldName('name')) if (n) names.push(n);
    }
  }
  return names;
}

/** Identifiers declared by one statement (`:=`, `var`, `const`) that sits in a statement list. */
export function statementDeclares(stmt: Node): Node[] {
  switch (stmt.type) {
    case 'short_var_declaration':
      return listIdentifiers(stmt.childForFieldName('left'));
    case 'var_declaration':
    case 'const_declaration': {
      const out: Node[] = [];
      const specs = stmt.descendantsOfType(['var_spec', 'const_spec']);
      for (const spec of specs) {
        if (!spec) continue;
        for (const n of spec.childrenForFieldName('name')) if (n) out.push(n);
      }
      return out;
    }
    case 'labeled_statement': {
      const inner = stmt.namedChildren[1];
      return inner ? statementDeclares(inner) : [];
    }
    default:
      return [];
  }
}

/** Names a node binds for its children (an if/switch initializer, a select case's receive). */
function headerDeclares(node: Node, child: Node): Node[] {
  switch (node.type) {
    case 'if_statement':
    case 'expression_switch_statement':
    case 'type_switch_statement': {
      const init = node.childForFieldName('initializer');
      const out = init && init.id !== child.id ? statementDeclares(init) : [];
      if (node.type === 'type_switch_statement') out.push(...listIdentifiers(node.childForFieldName('alias')));
      return out;
    }
    case 'for_statement':
      return loopVariables(node);
    case 'communication_case': {
      const comm = node.childForFieldName('communication');
      if (comm?.type === 'receive_statement' && hasToken(comm, ':=') && comm.id !== child.id) {
        return listIdentifiers(comm.childForFieldName('left'));
      }
      return [];
    }
    default:
      return isFunction(node) ? functionParamNames(node) : [];
  }
}

/**
 * Finds the declaration that `name` at `from` refers to, searching outwards but not beyond
 * `stop` (exclusive). Returns the declaring identifier, or null if the name is not declared
 * between `from` and `stop` (so it refers to something outside `stop`).
 */
export function findDeclarationBelow(from: Node, name: string, stop: Node): Node | null {
  let child = from;
  for (let node = from.parent; node && node.id !== stop.id; child = node, node = node.parent) {
    if (node.type === 'statement_list' || node.type === 'source_file') {
      // Only statements before the one we came from are in scope.
      for (let s = child.previousNamedSibling; s; s = s.previousNamedSibling) {
        const hit = statementDeclares(s).find((n) => n.text === name);
        if (hit) return hit;
      }
      // `x := x` declares x only after the statement, so the statement itself is not searched.
      continue;
    }
    const hit = headerDeclares(node, child).find((n) => n.text === name);
    if (hit) return hit;
  }
  return null;
}

/** Leading whitespace of the line `row` of `text`. */
export function indentationOf(text: string, offsetInLine: number): string {
  const lineStart = text.lastIndexOf('\n', offsetInLine - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(lineStart, lineStart + 200));
  return m ? m[0] : '';
}

/** Offsets of the first character of each line of `text`. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
