/**
 * Best-effort, syntax-only type of a loop variable, so the "pass as an argument" fix can write
 * `func(v T)`. Where the type cannot be known without a type checker it returns undefined and
 * the fix is not offered (a wrong type would not compile).
 */
import type { Node } from '../parser';
import { findDeclarationBelow, functionParamNames, enclosingFunction } from '../syntax';

function literalType(expr: Node): string | undefined {
  switch (expr.type) {
    case 'int_literal':
      return 'int';
    case 'float_literal':
      return 'float64';
    case 'rune_literal':
      return 'rune';
    case 'interpreted_string_literal':
    case 'raw_string_literal':
      return 'string';
    case 'true':
    case 'false':
      return 'bool';
    case 'call_expression': {
      const fn = expr.childForFieldName('function')?.text;
      return fn === 'len' || fn === 'cap' ? 'int' : undefined;
    }
    default:
      return undefined;
  }
}

/** The declared type node of the variable `name` visible at `at`, when written in the source. */
function declaredType(at: Node, name: string): Node | undefined {
  const fn = enclosingFunction(at);
  if (!fn) return undefined;
  let decl = findDeclarationBelow(at, name, fn);
  if (!decl) decl = functionParamNames(fn).find((n) => n.text === name) ?? null;
  const owner = decl?.parent;
  if (!owner) return undefined;
  if (owner.type === 'parameter_declaration' || owner.type === 'var_spec') {
    const type = owner.childForFieldName('type');
    if (type) return type;
    const value = owner.childForFieldName('value')?.namedChildren[0];
    return value?.type === 'composite_literal' ? (value.childForFieldName('type') ?? undefined) : undefined;
  }
  if (owner.type === 'expression_list' && owner.parent?.type === 'short_var_declaration') {
    const index = owner.namedChildren.findIndex((c) => c?.id === decl?.id);
    const value = owner.parent.childForFieldName('right')?.namedChildren[index];
    if (value?.type === 'composite_literal') return value.childForFieldName('type') ?? undefined;
  }
  return undefined;
}

/** Element types of what a `range` ranges over: [key type, value type]. */
function rangeTypes(type: Node | undefined): [string?, string?] {
  if (!type) return [];
  switch (type.type) {
    case 'slice_type':
    case 'array_type':
    case 'implicit_length_array_type':
      return ['int', type.childForFieldName('element')?.text];
    case 'map_type':
      return [type.childForFieldName('key')?.text, type.childForFieldName('value')?.text];
    case 'channel_type':
      return [type.childForFieldName('value')?.text];
    case 'type_identifier':
      return type.text === 'string' ? ['int', 'rune'] : [];
    default:
      return [];
  }
}

/** The type of loop variable number `index` declared by `loop`, or undefined if unknowable. */
export function loopVariableType(loop: Node, index: number): string | undefined {
  for (const clause of loop.namedChildren) {
    if (clause?.type === 'for_clause') {
      const init = clause.childForFieldName('initializer');
      const value = init?.childForFieldName('right')?.namedChildren[index];
      return value ? literalType(value) : undefined;
    }
    if (clause?.type === 'range_clause') {
      const over = clause.childForFieldName('right');
      if (!over) return undefined;
      let type: Node | undefined;
      if (over.type === 'identifier') type = declaredType(loop, over.text);
      else if (over.type === 'composite_literal') type = over.childForFieldName('type') ?? undefined;
      else if (over.type === 'interpreted_string_literal' || over.type === 'raw_string_literal') {
        return index === 0 ? 'int' : 'rune';
      }
      return rangeTypes(type)[index];
    }
  }
  return undefined;
}
