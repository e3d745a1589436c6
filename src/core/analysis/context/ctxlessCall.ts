/**
 * context/ctx-less-call: a call that cannot be cancelled although a context-taking variant
 * exists and a context is in scope (`db.Query` with a `ctx` parameter at hand, `exec.Command`
 * in a request handler). Receivers must be known to be the standard library types (from the
 * declared types); an unknown receiver is left alone, since any type may have a `Query`.
 */
import type { Node } from '../parser';
import type { RawFinding, Rule, RuleContext } from '../rule';
import { findDeclarationBelow, nodeRange } from '../syntax';
import type { Fix, TextEdit } from '../types';
import { type CtxSource, ctxExpression, ctxInScope, explainedAbove, type FileInfo, fileInfo, hasLocalContext, inNilContextBranch, innermostFunction, isPackage, localCtxAt, outlivesSource, selectorCalls, sourceVisibleAt, unitInfo } from './scope';

const CODE = 'context/ctx-less-call';

/** How a ctx-less call becomes its context variant; `fix` absent when it is not a drop-in. */
interface Variant {
  /** Words for the message: what to call instead. */
  instead: string;
  fix?: (call: Node, local: string, ctxExpr: string) => TextEdit[] | undefined;
}

/** The argument list's edits: `ctx` (plus `extra`) inserted before the first argument. */
function prependArgs(call: Node, first: string): TextEdit[] | undefined {
  const args = call.childForFieldName('arguments');
  if (!args) return undefined;
  const open = nodeRange(args).start;
  const at = { line: open.line, character: open.character + 1 };
  const newText = args.namedChildren.length > 0 ? `${first}, ` : first;
  return [{ range: { start: at, end: at }, newText }];
}

/** Renames the called function or method (the selector's field) and prepends `ctx`. */
function renameAndPrepend(newName: string, extra = ''): NonNullable<Variant['fix']> {
  return (call, _local, ctxExpr) => {
    const field = call.childForFieldName('function')?.childForFieldName('field');
    const args = prependArgs(call, ctxExpr + extra);
    if (!field || !args) return undefined;
    return [{ range: nodeRange(field), newText: newName }, ...args];
  };
}

/** Replaces the whole callee (`net.Dial`) with another expression and prepends `ctx`. */
function replaceCallee(callee: (local: string) => string, extra = ''): NonNullable<Variant['fix']> {
  return (call, local, ctxExpr) => {
    const fn = call.childForFieldName('function');
    const args = prependArgs(call, ctxExpr + extra);
    if (!fn || !args) return undefined;
    return [{ range: nodeRange(fn), newText: callee(local) }, ...args];
  };
}

/** `net.DialTimeout(n, a, t)` -> `(&net.Dialer{Timeout: t}).DialContext(ctx, n, a)`. */
const dialTimeoutFix: NonNullable<Variant['fix']> = (call, local, ctxExpr) => {
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  if (args.length !== 3 || !args.every(Boolean) || call.childForFieldName('arguments')?.text.includes('...')) return undefined;
  const [network, address, timeout] = args as Node[];
  return [
    {
      range: nodeRange(call),
      newText: `(&${local}.Dialer{Timeout: ${timeout.text}}).DialContext(${ctxExpr}, ${network.text}, ${address.text})`,
    },
  ];
};

const sameWithContext = (name: string): Variant => ({ instead: `${name}Context(ctx, ...)`, fix: renameAndPrepend(`${name}Context`) });
const resolver = (name: string): Variant => ({
  instead: `net.DefaultResolver.${name}(ctx, ...)`,
  fix: replaceCallee((net) => `${net}.DefaultResolver.${name}`),
});
const buildRequest: Variant = { instead: 'http.NewRequestWithContext(ctx, ...) and a client Do' };

/** Package-level functions by import path. */
const PACKAGE_FUNCS: Readonly<Record<string, Readonly<Record<string, Variant>>>> = {
  'net/http': {
    NewRequest: { instead: 'http.NewRequestWithContext(ctx, ...)', fix: renameAndPrepend('NewRequestWithContext') },
    // Not drop-ins: the request must be built with the context and sent with a client.
    Get: buildRequest,
    Head: buildRequest,
    Post: buildRequest,
    PostForm: buildRequest,
  },
  'os/exec': {
    Command: { instead: 'exec.CommandContext(ctx, ...)', fix: renameAndPrepend('CommandContext') },
  },
  net: {
    Dial: { instead: '(&net.Dialer{}).DialContext(ctx, ...)', fix: replaceCallee((net) => `(&${net}.Dialer{}).DialContext`) },
    DialTimeout: { instead: '(&net.Dialer{Timeout: t}).DialContext(ctx, ...)', fix: dialTimeoutFix },
    LookupHost: resolver('LookupHost'),
    LookupAddr: resolver('LookupAddr'),
    LookupCNAME: resolver('LookupCNAME'),
    LookupMX: resolver('LookupMX'),
    LookupNS: resolver('LookupNS'),
    LookupTXT: resolver('LookupTXT'),
    LookupSRV: resolver('LookupSRV'),
    LookupPort: resolver('LookupPort'),
    // net.LookupIP(host) is DefaultResolver.LookupIP(ctx, "ip", host).
    LookupIP: { instead: 'net.DefaultResolver.LookupIP(ctx, "ip", ...)', fix: replaceCallee((net) => `${net}.DefaultResolver.LookupIP`, ', "ip"') },
  },
};

/** Methods by receiver type (canonical, without the pointer). */
const METHODS: Readonly<Record<string, Readonly<Record<string, Variant>>>> = {
  'database/sql.DB': {
    Query: sameWithContext('Query'),
    QueryRow: sameWithContext('QueryRow'),
    Exec: sameWithContext('Exec'),
    Prepare: sameWithContext('Prepare'),
    Ping: sameWithContext('Ping'),
    Begin: { instead: 'BeginTx(ctx, nil)', fix: renameAndPrepend('BeginTx', ', nil') },
  },
  'database/sql.Tx': {
    Query: sameWithContext('Query'),
    QueryRow: sameWithContext('QueryRow'),
    Exec: sameWithContext('Exec'),
    Prepare: sameWithContext('Prepare'),
    Stmt: sameWithContext('Stmt'),
  },
  'database/sql.Stmt': {
    Query: sameWithContext('Query'),
    QueryRow: sameWithContext('QueryRow'),
    Exec: sameWithContext('Exec'),
  },
  'net.Dialer': {
    Dial: sameWithContext('Dial'),
  },
  // A client has no context variants of its shortcuts: build the request with the context.
  'net/http.Client': { Get: buildRequest, Head: buildRequest, Post: buildRequest, PostForm: buildRequest },
};

const ALL_NAMES = [...new Set([...Object.values(PACKAGE_FUNCS), ...Object.values(METHODS)].flatMap((t) => Object.keys(t)))];

/** What a call returns, for the few standard constructors whose result feeds a method call. */
function constructedType(ctx: RuleContext, info: FileInfo, call: Node, index: number): string | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'selector_expression') return undefined;
  const operand = fn.childForFieldName('operand');
  const name = fn.childForFieldName('field')?.text;
  if (!operand || !name) return undefined;
  if (operand.type === 'identifier' && isPackage(info, operand.text, 'database/sql')) {
    return (name === 'Open' || name === 'OpenDB') && index === 0 ? '*database/sql.DB' : undefined;
  }
  if (index !== 0) return undefined;
  const recv = receiverType(ctx, info, operand)?.replace(/^\*/, '');
  if (recv !== 'database/sql.DB' && recv !== 'database/sql.Tx' && recv !== 'database/sql.Conn') return undefined;
  if ((name === 'Begin' || name === 'BeginTx') && recv !== 'database/sql.Tx') return '*database/sql.Tx';
  if (name === 'Prepare' || name === 'PrepareContext') return '*database/sql.Stmt';
  if (name === 'Conn' && recv === 'database/sql.DB') return '*database/sql.Conn';
  return undefined;
}

const packageVarCache = new WeakMap<object, Map<string, string>>();

/** Package-level `var x T` of this file with a written type: name -> canonical type. */
function packageVars(ctx: RuleContext): Map<string, string> {
  let vars = packageVarCache.get(ctx.file);
  if (vars) return vars;
  vars = new Map();
  for (const decl of ctx.tree.rootNode.namedChildren) {
    if (decl?.type !== 'var_declaration') continue;
    for (const spec of decl.descendantsOfType('var_spec')) {
      const type = spec?.childForFieldName('type');
      if (!spec || !type) continue;
      for (const n of spec.childrenForFieldName('name')) if (n) vars.set(n.text, ctx.pkg.canonical(type.text, ctx.path));
    }
  }
  packageVarCache.set(ctx.file, vars);
  return vars;
}

/**
 * The canonical type of a receiver expression: the type index first, then what it cannot
 * know (`db, err := sql.Open(...)`, `tx, err := db.Begin()`, `http.DefaultClient`, package
 * variables with a written type). Undefined means unknown, and the call is left alone.
 */
function receiverType(ctx: RuleContext, info: FileInfo, expr: Node, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  const fn = innermostFunction(expr);
  if (!fn) return undefined;
  const known = ctx.types(fn).typeOf(expr);
  if (known) return known;
  if (expr.type === 'selector_expression') {
    const pkg = expr.childForFieldName('operand');
    if (pkg?.type === 'identifier' && isPackage(info, pkg.text, 'net/http') && expr.childForFieldName('field')?.text === 'DefaultClient') {
      return '*net/http.Client';
    }
    return undefined;
  }
  if (expr.type !== 'identifier') return undefined;
  const decl = findDeclarationBelow(expr, expr.text, ctx.scope.parent ?? ctx.scope);
  if (!decl) {
    // Not declared in this declaration: a package variable, unless this is not a function.
    return ctx.scope.type === 'var_declaration' ? undefined : packageVars(ctx).get(expr.text);
  }
  const list = decl.parent;
  const stmt = list?.parent;
  if (list?.type !== 'expression_list' || stmt?.type !== 'short_var_declaration') return undefined;
  const right = stmt.childForFieldName('right')?.namedChildren ?? [];
  if (right.length !== 1 || right[0]?.type !== 'call_expression') return undefined;
  const index = list.namedChildren.findIndex((n) => n?.id === decl.id);
  return constructedType(ctx, info, right[0], index);
}

/**
 * The standard type whose method `name` a struct of this package promotes from an embedded
 * field (`type Store struct{ *sql.DB }`, then `s.Query(...)`), unless the struct declares
 * `name` itself.
 */
function promotedFrom(ctx: RuleContext, type: string, name: string): string | undefined {
  if (ctx.pkg.methodsOf(type).has(name)) return undefined;
  const embedded = embeddedOf(ctx, type);
  return embedded.map((t) => t.replace(/^\*/, '')).find((t) => METHODS[t]?.[name] !== undefined);
}

/** Canonical types of the embedded fields of a struct of this package. */
function embeddedOf(ctx: RuleContext, type: string): string[] {
  const fields = ctx.pkg.structFields(type);
  if (!fields) return [];
  const out: string[] = [];
  // structFields names an embedded field after its type: `*sql.DB` is field `DB` of type `*database/sql.DB`.
  for (const [field, fieldType] of fields) if (fieldType.replace(/^\*/, '').endsWith(`.${field}`)) out.push(fieldType);
  return out;
}

/** The variant for a call, with the local name of its package (for callee rewrites). */
function variantOf(ctx: RuleContext, info: FileInfo, operand: Node, name: string): { variant: Variant; local: string; what: string } | undefined {
  if (operand.type === 'identifier') {
    const path = info.imports.get(operand.text);
    const variant = path ? PACKAGE_FUNCS[path]?.[name] : undefined;
    // A local variable named like a package shadows it; the type index would know it.
    if (variant && !findDeclarationBelow(operand, operand.text, ctx.scope.parent ?? ctx.scope)) {
      return { variant, local: operand.text, what: `${operand.text}.${name}` };
    }
  }
  const declared = receiverType(ctx, info, operand)?.replace(/^\*/, '');
  const type = declared && !METHODS[declared] ? promotedFrom(ctx, declared, name) : declared;
  const variant = type ? METHODS[type]?.[name] : undefined;
  if (!type || !variant) return undefined;
  const netLocal = info.localNames.get('net')?.[0] ?? 'net';
  return { variant, local: netLocal, what: `(*${type.replace(/^.*\//, '')}).${name}` };
}

/** context/ctx-less-call: a call without its context variant while a context is in scope. */
export const ctxLessCallRule: Rule = {
  meta: {
    code: CODE,
    summary: 'Call without a context although a context variant exists and a context is in scope.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const info = fileInfo(ctx);
    if (!info.relevant) return [];
    const unit = unitInfo(ctx);
    // Without a context parameter, a local context may still be in scope (made in main); without
    // either, no call of the unit can be reported, and their receivers need not be typed.
    if (unit.sources.size === 0 && !hasLocalContext(ctx, info)) return [];
    const findings: RawFinding[] = [];
    for (const { call, operand, field } of selectorCalls(ctx, ALL_NAMES)) {
      ctx.file.checkDeadline();
      let source: CtxSource | undefined = ctxInScope(unit, call);
      // Which API it is costs type lookups; a local context is looked for only for real hits.
      const found = variantOf(ctx, info, operand, field.text);
      if (!found) continue;
      source ??= localCtxAt(ctx, info, call);
      // `if ctx != nil { CommandContext } else { Command }`: the ctx-less call is the nil fallback.
      // In a goroutine that may outlive the context, the ctx-less call is the intent.
      if (!source || inNilContextBranch(call, source) || outlivesSource(call, source) || explainedAbove(ctx.text, call)) continue;
      const ctxExpr = ctxExpression(source);
      const fixes: Fix[] = [];
      const edits = found.variant.fix && sourceVisibleAt(source, call) ? found.variant.fix(call, found.local, ctxExpr) : undefined;
      if (edits) fixes.push({ title: `Use ${found.variant.instead.replace(/\bctx\b/, ctxExpr)}`, edits, isPreferred: true });
      findings.push({
        code: CODE,
        message: `${found.what} cannot be cancelled although '${ctxExpr}' is in scope: use ${found.variant.instead.replace(/\bctx\b/, ctxExpr)}`,
        range: nodeRange(call),
        related: [{ range: nodeRange(source.decl), message: `'${source.decl.text}' declared here` }],
        fixes,
      });
    }
    return findings;
  },
};
