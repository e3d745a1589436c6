/**
 * What the context/ rules share about one file and one unit (top-level declaration): the
 * import table, which functions have a context in scope, and cheap ways to find the calls the
 * rules look at. Computed once per file / unit and cached, because five rules ask the same
 * questions and most files have no context at all (then every rule returns at once).
 */
import type { Node } from '../parser';
import { lowerBound, type RuleContext } from '../rule';
import { findDeclarationBelow, isFunction } from '../syntax';

/** Import paths whose presence makes a file worth looking at for this family. */
const RELEVANT_IMPORTS = ['context', 'net/http'];

/** Per-file facts: local names of the packages this family cares about. */
export interface FileInfo {
  /** Local name -> import path. */
  readonly imports: ReadonlyMap<string, string>;
  /** Import path -> local names it is imported under (usually one). */
  readonly localNames: ReadonlyMap<string, readonly string[]>;
  /** Whether the file imports context or net/http: without them no rule of the family applies. */
  readonly relevant: boolean;
}

const fileCache = new WeakMap<object, FileInfo>();

/** The import facts of the file being analysed, computed once per file. */
export function fileInfo(ctx: RuleContext): FileInfo {
  const cached = fileCache.get(ctx.file);
  if (cached) return cached;
  const imports = ctx.pkg.imports(ctx.path);
  const localNames = new Map<string, string[]>();
  for (const [name, path] of imports) {
    const list = localNames.get(path) ?? [];
    list.push(name);
    localNames.set(path, list);
  }
  const dots = ctx.pkg.dotImports(ctx.path);
  const info: FileInfo = { imports, localNames, relevant: RELEVANT_IMPORTS.some((p) => localNames.has(p) || dots.includes(p)) };
  fileCache.set(ctx.file, info);
  return info;
}

/** Whether `name` (a package qualifier in the source) is the local name of `importPath`. */
export function isPackage(info: FileInfo, name: string, importPath: string): boolean {
  return info.imports.get(name) === importPath;
}

/**
 * Where a context comes from in a function: a `context.Context` parameter, an `*http.Request`,
 * or (for context/ctx-less-call only) a local made by `context.With...`/`Background()`/`r.Context()`.
 */
export interface CtxSource {
  kind: 'param' | 'request' | 'local';
  /** The declaring identifier. */
  decl: Node;
  /** The function that declares it. */
  fn: Node;
}

/** The expression that yields the context of a source: `ctx` or `r.Context()`. */
export function ctxExpression(source: CtxSource): string {
  return source.kind === 'request' ? `${source.decl.text}.Context()` : source.decl.text;
}

/** Per-unit facts: the functions of the unit and their own context sources. */
export interface UnitInfo {
  /** The unit itself when it is a function, then its func literals. */
  readonly functions: readonly Node[];
  /** Function id -> its own context sources, context parameters before requests. */
  readonly sources: ReadonlyMap<number, readonly CtxSource[]>;
  /** Names of every context.Context parameter of the unit (for "does it mention ctx?"). */
  readonly ctxParamNames: ReadonlySet<string>;
}

const unitCache = new WeakMap<RuleContext, UnitInfo>();

const CONTEXT_TYPE = 'context.Context';
const REQUEST_TYPE = '*net/http.Request';

/** The context sources of every function of the unit, computed once per unit. */
export function unitInfo(ctx: RuleContext): UnitInfo {
  const cached = unitCache.get(ctx);
  if (cached) return cached;
  const functions: Node[] = [];
  if (isFunction(ctx.scope)) functions.push(ctx.scope);
  functions.push(...ctx.closures());
  const sources = new Map<number, CtxSource[]>();
  const ctxParamNames = new Set<string>();
  // `import . "net/http"` (common in tests) makes `*Request` the http type, unless the
  // package declares a Request of its own.
  const dots = ctx.pkg.dotImports(ctx.path);
  const contextTypes = [CONTEXT_TYPE, ...(dots.includes('context') && !ctx.pkg.isLocalType('Context') ? ['Context'] : [])];
  const requestTypes = [REQUEST_TYPE, ...(dots.includes('net/http') && !ctx.pkg.isLocalType('Request') ? ['*Request'] : [])];
  for (const fn of functions) {
    // A parameter list without a qualified type cannot declare a context or a request.
    const params = fn.childForFieldName('parameters');
    if (!params || !/\b(Context|Request)\b/.test(params.text)) continue;
    const types = ctx.types(fn);
    const list: CtxSource[] = [];
    for (const decl of contextTypes.flatMap((t) => types.paramsOfType(t))) {
      if (decl.text === '_') continue;
      list.push({ kind: 'param', decl, fn });
      ctxParamNames.add(decl.text);
    }
    for (const decl of requestTypes.flatMap((t) => types.paramsOfType(t))) {
      if (decl.text !== '_') list.push({ kind: 'request', decl, fn });
    }
    if (list.length > 0) sources.set(fn.id, list);
  }
  const info: UnitInfo = { functions, sources, ctxParamNames };
  unitCache.set(ctx, info);
  return info;
}

/**
 * The context in scope at `node`: the innermost enclosing function with a context parameter
 * (or, failing one, an `*http.Request` parameter) wins.
 * Walks parents, O(depth): call it only for candidate nodes, never for every node.
 */
export function ctxInScope(unit: UnitInfo, node: Node): CtxSource | undefined {
  if (unit.sources.size === 0) return undefined;
  for (let p = node.parent; p; p = p.parent) {
    if (!isFunction(p)) continue;
    const list = unit.sources.get(p.id);
    if (list && list.length > 0) return list[0];
  }
  return undefined;
}


/**
 * Whether the source's name still means its parameter at `at` (not shadowed by a local of
 * the same name on the way), so a fix may write it there.
 */
export function sourceVisibleAt(source: CtxSource, at: Node): boolean {
  const decl = findDeclarationBelow(at, source.decl.text, source.fn);
  // A parameter is found by nothing below the function; a local is found as itself.
  return source.kind === 'local' ? decl?.id === source.decl.id : decl === null;
}

/** A call `operand.name(...)` found by {@link selectorCalls}. */
export interface SelectorCall {
  call: Node;
  operand: Node;
  field: Node;
}

/**
 * Calls `x.name(...)` for any of `names` inside the unit, found by scanning the unit's text
 * and confirming each hit in the tree: far cheaper than visiting every call node, and these
 * names are rare.
 */
export function selectorCalls(ctx: RuleContext, names: readonly string[]): SelectorCall[] {
  const { scope } = ctx;
  const out: SelectorCall[] = [];
  const seen = new Set<number>();
  for (const name of names) {
    const offsets = occurrences(ctx, `.${name}(`);
    for (let k = lowerBound(offsets, scope.startIndex); k < offsets.length && offsets[k] < scope.endIndex; k++) {
      const i = offsets[k];
      const field = scope.descendantForIndex(i + 1, i + 1 + name.length);
      if (field?.type !== 'field_identifier' || field.text !== name) continue;
      const selector = field.parent;
      const call = selector?.parent;
      const operand = selector?.childForFieldName('operand');
      if (selector?.type !== 'selector_expression' || call?.type !== 'call_expression' || !operand) continue;
      if (call.childForFieldName('function')?.id !== selector.id || seen.has(call.id)) continue;
      seen.add(call.id);
      out.push({ call, operand, field });
    }
  }
  return out;
}

const occurrenceCache = new WeakMap<object, Map<string, number[]>>();

/**
 * Offsets (in the file) of `needle`: in the whole file, found once per file, for a cold
 * analysis; in the current unit's text only when a few edited declarations are re-analysed
 * (the slice keeps a search from running on past the unit). Callers filter by range.
 */
export function occurrences(ctx: RuleContext, needle: string): number[] {
  let byKey = occurrenceCache.get(ctx.file);
  if (!byKey) occurrenceCache.set(ctx.file, (byKey = new Map()));
  const [startIndex, endIndex] = ctx.file.scanRange(ctx.scope);
  const key = `${startIndex}:${needle}`;
  let offsets = byKey.get(key);
  if (offsets) return offsets;
  offsets = [];
  const unit = ctx.text.slice(startIndex, endIndex);
  for (let i = unit.indexOf(needle); i !== -1; i = unit.indexOf(needle, i + needle.length)) offsets.push(startIndex + i);
  byKey.set(key, offsets);
  return offsets;
}

export { lowerBound };

/** Calls `pkg.name(...)` where `pkg` is the local name of `importPath` in this file. */
export function packageCalls(ctx: RuleContext, info: FileInfo, importPath: string, names: readonly string[]): SelectorCall[] {
  if (!info.localNames.has(importPath)) return [];
  return selectorCalls(ctx, names).filter(
    (c) =>
      c.operand.type === 'identifier' &&
      isPackage(info, c.operand.text, importPath) &&
      // A parameter or local named like the package hides it.
      findDeclarationBelow(c.operand, c.operand.text, ctx.scope.parent ?? ctx.scope) === null,
  );
}

/** The innermost function (declaration or literal) around `node`. */
export function innermostFunction(node: Node): Node | null {
  for (let p = node.parent; p; p = p.parent) if (isFunction(p)) return p;
  return null;
}

/** Whether `fn` is a func literal started as a goroutine: `go func() { ... }()`. */
export function goStatementOf(fn: Node): Node | null {
  if (fn.type !== 'func_literal') return null;
  const call = fn.parent;
  if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== fn.id) return null;
  return call.parent?.type === 'go_statement' ? call.parent : null;
}

/** A word that names a context by convention: `ctx`, `reqCtx`, `s.ctx`, `context`. */
const CTX_WORD = /ctx|context/i;

/**
 * Whether the body of `fn` mentions a context: a context parameter of the unit, a local
 * derived from one, an identifier or field whose name says context, or a `.Context()` /
 * `.Done()` call. Used to stay silent about code that does observe cancellation somehow.
 */
export function mentionsContext(fn: Node, unit: UnitInfo, derived: ReadonlySet<string>, info: FileInfo): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  for (const id of body.descendantsOfType(['identifier', 'field_identifier'])) {
    if (!id) continue;
    const name = id.text;
    // The package qualifier in `context.TODO()` names no context value.
    if (info.imports.has(name) && id.parent?.type === 'selector_expression' && id.parent.childForFieldName('operand')?.id === id.id) continue;
    if (unit.ctxParamNames.has(name) || derived.has(name) || CTX_WORD.test(name) || name === 'Done') return true;
  }
  return false;
}

const derivedCache = new WeakMap<RuleContext, Set<string>>();

/**
 * Names of locals in the unit whose value is computed from a context (`done := ctx.Done()`,
 * `ctx2, cancel := context.WithCancel(ctx)`, `c := r.Context()`), transitively in source order.
 * Over-approximates (an `err` from `f(ctx)` counts): it only ever makes the rules quieter.
 */
export function ctxDerivedNames(ctx: RuleContext, unit: UnitInfo): ReadonlySet<string> {
  const cached = derivedCache.get(ctx);
  if (cached) return cached;
  const names = new Set<string>(unit.ctxParamNames);
  const mentions = (n: Node | null): boolean => {
    if (!n) return false;
    if (/ctx|context|\.Context\(\)|\.Done\(\)/i.test(n.text)) return true;
    for (const id of n.descendantsOfType('identifier')) if (id && names.has(id.text)) return true;
    return false;
  };
  for (const stmt of ctx.scope.descendantsOfType(['short_var_declaration', 'assignment_statement', 'var_spec'])) {
    if (!stmt) continue;
    const right = stmt.childForFieldName(stmt.type === 'var_spec' ? 'value' : 'right');
    if (!mentions(right)) continue;
    const targets = stmt.type === 'var_spec' ? stmt.childrenForFieldName('name') : (stmt.childForFieldName('left')?.namedChildren ?? []);
    for (const t of targets) if (t?.type === 'identifier' && t.text !== '_') names.add(t.text);
  }
  derivedCache.set(ctx, names);
  return names;
}

/** Leading whitespace of the line holding `node`. */
export function lineIndent(text: string, node: Node): string {
  const lineStart = text.lastIndexOf('\n', node.startIndex - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(lineStart, Math.min(lineStart + 200, node.startIndex)));
  return m ? m[0] : '';
}

/**
 * Whether `node` sits in a branch that handles a nil context (`if ctx == nil { ... }`,
 * `if ctx != nil { ... } else { ... }`): code there deliberately does without the context,
 * usually by falling back to Background or to the ctx-less call.
 */
export function inNilContextBranch(node: Node, source: CtxSource): boolean {
  const name = source.decl.text;
  const isNil = new RegExp(`\\b${name}\\s*==\\s*nil\\b|\\bnil\\s*==\\s*${name}\\b`);
  const notNil = new RegExp(`\\b${name}\\s*!=\\s*nil\\b|\\bnil\\s*!=\\s*${name}\\b`);
  let child = node;
  for (let p = node.parent; p && p.id !== source.fn.id; child = p, p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const condition = p.childForFieldName('condition')?.text ?? '';
    // Only the branch where the context is nil: `if ctx == nil { here }`, `if ctx != nil {} else { here }`.
    const branch = p.childForFieldName('consequence')?.id === child.id ? 'then' : p.childForFieldName('alternative')?.id === child.id ? 'else' : undefined;
    if ((branch === 'then' && isNil.test(condition)) || (branch === 'else' && notNil.test(condition))) return true;
  }
  return false;
}

/**
 * Whether `node` runs in a goroutine started below the function that owns `source`
 * (`go func() { ... }()` or an argument of `go f(...)`): that goroutine may outlive the
 * context (a request's ends when the handler returns), so doing without it is the intent and
 * tying the work to it would be a bug.
 */
export function outlivesSource(node: Node, source: CtxSource): boolean {
  for (let p = node.parent; p && p.id !== source.fn.id; p = p.parent) {
    if (p.type === 'go_statement' || goStatementOf(p)) return true;
  }
  return false;
}

/**
 * Whether the comment lines right above `node`'s line talk about the context or cancellation:
 * the code explains a deliberate choice, which a finding would only repeat.
 */
export function explainedAbove(text: string, node: Node): boolean {
  let end = text.lastIndexOf('\n', node.startIndex - 1);
  for (let lines = 0; end > 0 && lines < 6; lines++) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (!line.startsWith('//')) return false;
    if (/context|cancel|\bctx\b/i.test(line)) return true;
    end = start - 1;
  }
  return false;
}

/** Calls of the context package that return a context first. */
const CONTEXT_MAKERS = ['Background', 'TODO', 'WithCancel', 'WithTimeout', 'WithDeadline', 'WithCancelCause', 'WithTimeoutCause', 'WithDeadlineCause', 'WithValue', 'WithoutCancel'];

/** Whether the unit makes a context anywhere (a candidate for {@link localCtxAt}). */
export function hasLocalContext(ctx: RuleContext, info: FileInfo): boolean {
  return packageCalls(ctx, info, 'context', CONTEXT_MAKERS).length > 0 || selectorCalls(ctx, ['Context']).length > 0;
}

/**
 * A local context visible at `node`: the first variable of `ctx := r.Context()`,
 * `ctx, cancel := context.WithTimeout(...)`, `ctx := context.Background()` declared before it
 * in the functions around it (and not hidden since).
 */
export function localCtxAt(ctx: RuleContext, info: FileInfo, node: Node): CtxSource | undefined {
  const makers = [
    ...packageCalls(ctx, info, 'context', CONTEXT_MAKERS),
    ...selectorCalls(ctx, ['Context']).filter((c) => c.call.childForFieldName('arguments')?.namedChildren.length === 0),
  ];
  for (const { call } of makers) {
    if (call.startIndex >= node.startIndex) continue;
    const list = call.parent;
    const stmt = list?.parent;
    if (list?.type !== 'expression_list' || stmt?.type !== 'short_var_declaration' || list.namedChildren[0]?.id !== call.id) continue;
    const decl = stmt.childForFieldName('left')?.namedChildren[0];
    if (decl?.type !== 'identifier' || decl.text === '_') continue;
    if (findDeclarationBelow(node, decl.text, ctx.scope.parent ?? ctx.scope)?.id !== decl.id) continue;
    const fn = innermostFunction(stmt);
    if (fn) return { kind: 'local', decl, fn };
  }
  return undefined;
}
