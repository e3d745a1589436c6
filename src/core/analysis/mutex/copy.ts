/**
 * mutex/copy: a value that holds a lock (a sync.Mutex, RWMutex, WaitGroup, Once, Cond, Map,
 * Pool, a sync/atomic type or a `noCopy`, directly or in a field) is copied. Like go vet's
 * copylocks, it looks at receivers and parameters passed by value, and at expressions that
 * copy an existing value: assignments, returns, composite-literal elements, `range` values and
 * call arguments (`fmt.Print*`-style calls excepted: they only read). Values made on the spot
 * (`T{}`, `f()`, `&x`) are not copies. The type comes from the package's type index; where it
 * is unknown the rule says nothing.
 */
import type { Node } from '../parser';
import { type FileFacts, lowerBound, type RawFinding, type Rule, type RuleContext } from '../rule';
import { findDeclarationBelow, hasToken, nodeRange, toPosition } from '../syntax';
import type { Fix, Range } from '../types';
import type { LockPath, PackageIndex } from '../types/index';
import { innermost, unitFunctions } from './unit';

const CODE = 'mutex/copy';

/** Builtins that take a value without copying it anywhere. */
const NOT_COPYING = new Set(['len', 'cap', 'new', 'unsafe.Sizeof', 'unsafe.Offsetof', 'unsafe.Alignof']);
/** Printing and logging calls: they read the value through an interface, which is harmless here. */
const PRINT_LIKE = /(^|\.)(S|F|Ap)?[Pp]rint(f|ln)?$|(^|\.)(Errorf|Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln|Log|Logf|Error|Skip|Skipf|Debug|Debugf|Info|Infof|Warn|Warnf|Warning|Warningf)$/;
/** Expressions that denote an existing value (copying them copies its lock). */
const COPY_SOURCES = new Set(['identifier', 'selector_expression', 'unary_expression', 'index_expression', 'parenthesized_expression']);

function describe(lock: LockPath): string {
  const what = lock.kind.replace('sync/atomic.', 'atomic.');
  return lock.path.length > 0 ? `${what} (in field ${lock.path.join('.')})` : what;
}

/** Type parameter names of a function (and of a generic receiver), which the index does not know. */
function typeParams(fn: Node): Set<string> {
  const out = new Set<string>();
  for (const decl of fn.childForFieldName('type_parameters')?.namedChildren ?? []) {
    for (const n of decl?.childrenForFieldName('name') ?? []) if (n) out.add(n.text);
  }
  const recvType = fn.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('type');
  const generic = recvType?.type === 'pointer_type' ? recvType.namedChildren[0] : recvType;
  if (generic?.type === 'generic_type') {
    for (const a of generic.childForFieldName('type_arguments')?.namedChildren ?? []) if (a) out.add(a.text);
  }
  return out;
}

/** The range a signature finding is shown on: the parameter when it sits on the `func` line, else `func`. */
function signatureRange(fn: Node, decl: Node): Range {
  if (decl.startPosition.row === fn.startPosition.row) return nodeRange(decl);
  const start = toPosition(fn.startPosition);
  return { start, end: { line: start.line, character: start.character + 4 } };
}

function lockOfType(ctx: RuleContext, typeText: string, params: ReadonlySet<string>): LockPath | undefined {
  const base = typeText.replace(/\[.*$/s, '');
  if (params.has(base)) return undefined;
  return ctx.pkg.lockIn(ctx.pkg.canonical(typeText, ctx.path));
}

function checkSignature(ctx: RuleContext, fn: Node, out: RawFinding[]): void {
  const params = typeParams(fn);
  for (const field of ['receiver', 'parameters']) {
    for (const decl of fn.childForFieldName(field)?.namedChildren ?? []) {
      if (decl?.type !== 'parameter_declaration') continue;
      const type = decl.childForFieldName('type');
      if (!type || type.type === 'pointer_type') continue;
      const lock = lockOfType(ctx, type.text, params);
      // A WaitGroup parameter itself is mutex/waitgroup's finding.
      if (!lock || (lock.kind === 'sync.WaitGroup' && lock.path.length === 0)) continue;
      const names = decl.childrenForFieldName('name').filter((n): n is Node => n !== null);
      const role = field === 'receiver' ? 'receiver' : 'parameter';
      const who = names.length > 0 ? `${role} '${names.map((n) => n.text).join("', '")}'` : `an unnamed ${role}`;
      const at = toPosition(type.startPosition);
      const fix: Fix = {
        title: field === 'receiver' ? `Use a pointer receiver '*${type.text}'` : `Pass a pointer '*${type.text}'`,
        edits: [{ range: { start: at, end: at }, newText: '*' }],
        isPreferred: true,
      };
      out.push({
        code: CODE,
        message: `${who} is passed by value: ${type.text} holds a ${describe(lock)}, and each call copies it (a copied lock does not guard the original)`,
        range: signatureRange(fn, decl),
        related: [],
        fixes: [fix],
      });
    }
  }
}

/** The element type of a slice, array or map type, or undefined. */
function elementType(t: string): string | undefined {
  const m = /^(?:\[[^\]]*\]|map\[[^\]]+\])(.+)$/.exec(t);
  return m ? m[1] : undefined;
}

function isCopySource(expr: Node): boolean {
  if (!COPY_SOURCES.has(expr.type)) return false;
  if (expr.type === 'unary_expression') return expr.child(0)?.type === '*';
  if (expr.type === 'parenthesized_expression') {
    const inner = expr.namedChildren[0];
    return !!inner && isCopySource(inner);
  }
  return !(expr.type === 'identifier' && (expr.text === '_' || expr.text === 'nil'));
}

/**
 * The type of a variable declared by a comma-ok form, which the type index leaves unknown:
 * `t, ok := m[k]` (the map's element), `v, ok := x.(T)` (T), `v, ok := <-ch` (the channel's
 * element); and `*t` of such a variable. Undefined otherwise.
 */
function commaOkType(ctx: RuleContext, fn: Node, expr: Node): string | undefined {
  if (expr.type === 'unary_expression' && expr.child(0)?.type === '*') {
    const inner = expr.childForFieldName('operand');
    const t = inner ? commaOkType(ctx, fn, inner) : undefined;
    return t?.startsWith('*') ? t.slice(1) : undefined;
  }
  if (expr.type !== 'identifier') return undefined;
  const decl = findDeclarationBelow(expr, expr.text, ctx.tree.rootNode);
  const list = decl?.parent;
  const stmt = list?.type === 'expression_list' ? list.parent : null;
  if (!decl || stmt?.type !== 'short_var_declaration' || list?.namedChildren[0]?.id !== decl.id) return undefined;
  const right = stmt.childForFieldName('right')?.namedChildren ?? [];
  if (list.namedChildCount !== 2 || right.length !== 1 || !right[0]) return undefined;
  const value = right[0];
  const types = ctx.types(fn);
  switch (value.type) {
    case 'index_expression': {
      const operand = value.childForFieldName('operand');
      const t = operand ? types.typeOf(operand) : undefined;
      return t?.startsWith('map[') ? elementType(t) : undefined;
    }
    case 'type_assertion_expression': {
      const type = value.childForFieldName('type');
      return type ? ctx.pkg.canonical(type.text, ctx.path) : undefined;
    }
    case 'unary_expression': {
      const operand = value.childForFieldName('operand');
      const t = value.child(0)?.type === '<-' && operand ? types.typeOf(operand) : undefined;
      return t ? /^(?:<-\s*)?chan(?:\s*<-)?\s+(.+)$/.exec(t)?.[1] : undefined;
    }
    default:
      return undefined;
  }
}

/** Per file: type text -> whether a value of it (or what it points to) holds a lock. */
const lockish = new WeakMap<FileFacts, Map<string, boolean>>();

function isLockish(ctx: RuleContext, typeText: string): boolean {
  let cache = lockish.get(ctx.file);
  if (!cache) lockish.set(ctx.file, (cache = new Map()));
  let hit = cache.get(typeText);
  if (hit === undefined) cache.set(typeText, (hit = !!ctx.pkg.lockIn(ctx.pkg.canonical(typeText, ctx.path))));
  return hit;
}


/** What the unit's variables may hold, for the cheap filters in front of the type lookups. */
interface Candidates {
  /** Variables declared with (or from) a type that holds a lock, or points to one. */
  names: Set<string>;
  /** Those of them declared as pointers: the bare name copies nothing. */
  pointers: Set<string>;
  /** Field names whose type holds a lock by value: `s.inner` can copy one, `s.name` cannot. */
  fields: Set<string>;
}

/**
 * The variables of the unit that may hold a lock by value or point to one: declared with a
 * type that holds one, or from an expression that mentions such a variable (`t, ok :=
 * r.topics[k]` when `r` is one). Only expressions rooted in these can copy a lock, so the
 * costly type lookups run on them alone. Empty when no type of the unit holds a lock.
 */
function candidateNames(ctx: RuleContext): Candidates {
  // Lock-holding type names are found in the declarations' own text (a parameter's type,
  // a `var`'s type or value, a `:=`'s right side): far less text than the whole unit.
  const fields = new Set<string>();
  const lockTypes = new Set<string>();
  const checked = new Set<string>();
  /** Whether `text` names a type that holds a lock (remembering those it finds). */
  const namesLockType = (text: string): boolean => {
    let found = false;
    for (const m of text.matchAll(/\b([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?/g)) {
      const word = m[2] ? `${m[1]}.${m[2]}` : m[1];
      if (lockTypes.has(word)) found = true;
      if (checked.has(word)) continue;
      checked.add(word);
      if (isLockish(ctx, word)) {
        lockTypes.add(word);
        addLockFields(ctx.pkg, word, fields);
        found = true;
      }
    }
    return found;
  };
  const out: Candidates = { names: new Set(), pointers: new Set(), fields };
  const { names, pointers } = out;
  const decls = ctx.scope.descendantsOfType(['parameter_declaration', 'var_spec', 'short_var_declaration', 'range_clause']);
  for (const d of decls) {
    if (!d) continue;
    const short = d.type === 'short_var_declaration' || d.type === 'range_clause';
    const source = short ? d.childForFieldName('right')?.text ?? '' : d.text;
    // A func literal's value holds no lock; its body's declarations are visited on their own.
    if (/^\s*func\b/.test(source)) continue;
    if (!namesLockType(source) && !(short && copiesCandidate(source, out))) continue;
    const declared = short ? (d.childForFieldName('left')?.namedChildren ?? []) : d.childrenForFieldName('name');
    const pointer = short ? /^\s*(&|new\()/.test(source) : d.childForFieldName('type')?.type === 'pointer_type';
    for (const n of declared) {
      if (n?.type !== 'identifier' || n.text === '_') continue;
      names.add(n.text);
      if (pointer) pointers.add(n.text);
    }
  }
  return out;
}

/**
 * Whether the right side of a `:=` (or a range) may hold a lock taken from a candidate
 * variable: `*p`, `v`, `s.inner`, `m[k]` (comma-ok too), read from the text alone. Anything
 * else (`s.name`, `f(s)`) yields no lock, so its variables need no type lookups later.
 */
function copiesCandidate(source: string, c: Candidates): boolean {
  const m = /^\s*(\*\s*)?([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\[[^\]]*\])*)\s*$/.exec(source);
  if (!m || !c.names.has(m[2])) return false;
  if (m[1] || m[3].endsWith(']')) return true;
  const last = /\.([A-Za-z_]\w*)$/.exec(m[3])?.[1];
  return last ? c.fields.has(last) : !c.pointers.has(m[2]);
}

/** Whether `expr` can copy a lock given what its variables may hold (before any type lookup). */
function mayCopy(expr: Node, c: Candidates): boolean {
  switch (expr.type) {
    case 'identifier':
      return c.names.has(expr.text) && !c.pointers.has(expr.text);
    case 'selector_expression': {
      const field = expr.childForFieldName('field')?.text;
      const root = rootName(expr);
      return !!field && !!root && c.fields.has(field) && c.names.has(root);
    }
    case 'parenthesized_expression': {
      const inner = expr.namedChildren[0];
      return !!inner && mayCopy(inner, c);
    }
    default: {
      const root = rootName(expr);
      return !!root && c.names.has(root);
    }
  }
}

/** Per file: where lock-holding types and the ways to copy them occur (sorted offsets). */
interface FileGate {
  /** Every occurrence of a type name (of the package, or sync/atomic) that holds a lock. */
  lockWords: number[];
  /** Those used as value types (see {@link isValueTypeUse}). */
  valueUses: number[];
  /** `*name` dereferences where a value is taken (a cheap, generous guess). */
  derefs: number[];
  /** `.f` where field f holds a lock by value. */
  fieldUses: number[];
}

const gates = new WeakMap<FileFacts, Map<number, FileGate>>();
const lockFields = new WeakMap<object, Set<string>>();

/** Names of fields, of any struct of the package, that hold a lock by value (three levels deep). */
function packageLockFields(ctx: RuleContext): Set<string> {
  let fields = lockFields.get(ctx.pkg);
  if (fields) return fields;
  fields = new Set<string>();
  for (const t of ctx.pkg.lockHoldingTypes()) addLockFields(ctx.pkg, t, fields);
  lockFields.set(ctx.pkg, fields);
  return fields;
}

/** Adds to `into` the fields of `type` that hold a lock by value, three struct levels deep. */
function addLockFields(pkg: PackageIndex, type: string, into: Set<string>, depth = 0): void {
  for (const [name, t] of pkg.structFields(type) ?? []) {
    if (!pkg.lockIn(t) || into.has(name)) continue;
    into.add(name);
    if (depth < 3) addLockFields(pkg, t, into, depth + 1);
  }
}

/**
 * One pass over the words of the file (cold analysis), or of the unit alone when only edited
 * declarations are re-analysed, so a keystroke does not rescan a large file; offsets are in
 * the file and consumers filter them by unit.
 */
function fileGate(ctx: RuleContext): FileGate {
  let perUnit = gates.get(ctx.file);
  if (!perUnit) gates.set(ctx.file, (perUnit = new Map()));
  const [base, end] = ctx.file.scanRange(ctx.scope);
  let gate = perUnit.get(base);
  if (gate) return gate;
  gate = { lockWords: [], valueUses: [], derefs: [], fieldUses: [] };
  perUnit.set(base, gate);
  const text = ctx.text.slice(base, end);
  // Only two kinds of words can name a lock-holding type: a type of this package, or a
  // `pkg.Name` whose package is sync or sync/atomic. Checking just those keeps this pass
  // at the cost of one regex scan.
  const syncNames = new Set([...ctx.pkg.imports(ctx.path)].filter(([, p]) => p === 'sync' || p === 'sync/atomic').map(([n]) => n));
  // Most files neither import sync nor belong to a package with a lock-holding type: nothing
  // they say can copy a lock, and the word scan below is the costliest part of this rule.
  if (syncNames.size === 0 && ctx.pkg.lockHoldingTypes().size === 0 && ctx.pkg.dotImports(ctx.path).length === 0) return gate;
  // Lock-holding fields of every such type of the package, whether or not this unit names the
  // type: `s.inner` may copy a lock when `s` was declared elsewhere. Computed once per package.
  const fields = packageLockFields(ctx);
  const word = /[A-Za-z_]\w*/g;
  for (let m = word.exec(text); m; m = word.exec(text)) {
    const at = m.index;
    let end = at + m[0].length;
    if (text[at - 1] === '.') continue;
    let name = m[0];
    if (text[end] === '.' && syncNames.has(name)) {
      const next = /[A-Za-z_]\w*/y;
      next.lastIndex = end + 1;
      const q = next.exec(text);
      if (!q) continue;
      name = `${name}.${q[0]}`;
      end = next.lastIndex;
      word.lastIndex = end;
    } else if (!ctx.pkg.isLocalType(name)) {
      continue;
    }
    if (!isLockish(ctx, name)) continue;
    gate.lockWords.push(base + at);
    if (isValueTypeUse(text, at, end)) gate.valueUses.push(base + at);
  }
  // Fields that hold a lock by value, wherever they are selected (`.inner`).
  if (fields.size > 0) {
    for (const m of text.matchAll(new RegExp(`\\.(?:${[...fields].join('|')})\\b`, 'g'))) gate.fieldUses.push(base + m.index);
  }
  // `*p` where a value is taken (after `=`, `:=`, `return`, `(` or `,`), not `*T` in a type.
  for (const m of text.matchAll(/(?:[=(,]|\breturn)[ \t]*\*[ \t]*[A-Za-z_]/g)) gate.derefs.push(base + m.index);
  return gate;
}

const KEYWORDS = new Set(['return', 'range', 'case', 'go', 'defer', 'else', 'if', 'for', 'switch', 'select', 'chan', 'func', 'var', 'const', 'type', 'struct', 'map', 'interface', 'package', 'import', 'break', 'continue', 'goto', 'default', 'fallthrough']);

/**
 * Whether the lock-holding type name at [start, end) is used as a value type: an element
 * (`[]T`, `map[K]T`), a composite literal (`T{`), or a declared type after a name (`x T`,
 * `var x T`). A type name also used as a variable (`body`, `conn`) is not a value use.
 */
function isValueTypeUse(text: string, start: number, end: number): boolean {
  let i = start - 1;
  while (text[i] === ' ' || text[i] === '\t') i--;
  if (text[i] === ']') return true;
  let j = end;
  while (text[j] === ' ' || text[j] === '\t') j++;
  if (text[j] === '{') return true;
  if (i === start - 1 || !/\w/.test(text[i] ?? '')) return false;
  let k = i;
  while (k > 0 && /\w/.test(text[k - 1])) k--;
  return !KEYWORDS.has(text.slice(k, i + 1));
}

/** Whether one of the sorted offsets falls inside the unit. */
function inUnit(ctx: RuleContext, offsets: readonly number[]): boolean {
  const lo = lowerBound(offsets, ctx.scope.startIndex);
  return lo < offsets.length && offsets[lo] < ctx.scope.endIndex;
}

/** The identifier an expression starts from: `s` in `s.inner`, `*p`, `xs[i].mu`. */
function rootName(expr: Node): string | undefined {
  let n: Node | null = expr;
  while (n && n.type !== 'identifier') {
    if (n.type === 'selector_expression' || n.type === 'index_expression') n = n.childForFieldName('operand');
    else if (n.type === 'unary_expression') n = n.childForFieldName('operand');
    else if (n.type === 'parenthesized_expression') n = n.namedChildren[0];
    else return undefined;
  }
  return n?.text;
}

/** mutex/copy. */
export const copyRule: Rule = {
  meta: {
    code: CODE,
    summary: 'A value holding a lock (sync.Mutex, WaitGroup, atomic.*, ...) is copied.',
    defaultSeverity: 'warning',
  },
  check(ctx: RuleContext): RawFinding[] {
    const out: RawFinding[] = [];
    const gate = fileGate(ctx);
    // No type of the package that holds a lock is named in this unit: nothing to copy.
    if (!inUnit(ctx, gate.lockWords)) return out;
    const functions = unitFunctions(ctx);
    if (functions.length === 0) return out;
    for (const fn of functions) {
      ctx.file.checkDeadline();
      checkSignature(ctx, fn, out);
    }
    // Only pointers to such types (`*T`, `&T{}`): a copy then needs a `*p`, or a field that
    // holds a lock by value (`p.inner`).
    if (!inUnit(ctx, gate.valueUses) && !inUnit(ctx, gate.derefs) && !inUnit(ctx, gate.fieldUses)) return out;
    const candidates = candidateNames(ctx);
    if (candidates.names.size === 0) return out;
    // Type parameters of the unit's functions shadow package types of the same name.
    const params = new Set<string>();
    for (const fn of functions) for (const p of typeParams(fn)) params.add(p);
    const lockOfType = (t: string | undefined): LockPath | undefined => {
      if (!t) return undefined;
      const base = /([A-Za-z_]\w*)(\[.*)?$/.exec(t)?.[1];
      return base && params.has(base) ? undefined : ctx.pkg.lockIn(t);
    };
    const lockOf = (expr: Node | null | undefined): LockPath | undefined => {
      if (!expr || !isCopySource(expr)) return undefined;
      if (!mayCopy(expr, candidates)) return undefined;
      const fn = innermost(functions, expr);
      return lockOfType(fn ? ctx.types(fn).typeOf(expr) ?? commaOkType(ctx, fn, expr) : undefined);
    };
    const report = (at: Node, expr: Node, lock: LockPath, how: string) => {
      out.push({
        code: CODE,
        message: `${how} copies '${expr.text}', which holds a ${describe(lock)}: the copy's lock is independent of the original's (use a pointer)`,
        range: nodeRange(at),
        related: [],
        fixes: [],
      });
    };
    // Walk from the text occurrences of candidate variables to the few expressions that can
    // copy a lock (`*p`, `v`, `s.inner`, `xs[i]`), then look at the syntax around each.
    // A plain alternation of names is what the regex engine scans fastest; the boundaries,
    // a leading `*` and the selector chain after the name are read by hand.
    const { text } = ctx;
    const nameRe = new RegExp([...candidates.names].sort((a, b) => b.length - a.length).join('|'), 'g');
    const tail = /(?:\.[A-Za-z_]\w*|\[[^\]\n]*\])*/y;
    const unitEnd = ctx.scope.endIndex;
    const seenNodes = new Set<number>();
    nameRe.lastIndex = ctx.scope.startIndex;
    let count = 0;
    for (let m = nameRe.exec(text); m && m.index < unitEnd; m = nameRe.exec(text)) {
      if (++count % 256 === 0) ctx.file.checkDeadline();
      const nameEnd = m.index + m[0].length;
      const before = text[m.index - 1] ?? '';
      if (/[\w.]/.test(before) || /\w/.test(text[nameEnd] ?? '')) continue;
      tail.lastIndex = nameEnd;
      const segments = tail.exec(text)?.[0] ?? '';
      let start = m.index;
      let k = start - 1;
      while (text[k] === ' ' || text[k] === '\t') k--;
      const deref = text[k] === '*' && !/[\w)\]]/.test(text[k - 1] ?? '') ;
      if (deref) start = k;
      const end = nameEnd + segments.length;
      const next = text[end];
      // A method call or a longer expression (`s.f(`, `T{`) is not the value being copied.
      if (next === '(' || next === '{' || next === '.') continue;
      // `range xs` copies xs's elements, whatever the field's own type.
      const ranged = /\brange\s*$/.test(text.slice(Math.max(0, start - 12), start));
      if (!deref && !ranged && !segments.endsWith(']')) {
        const last = /\.([A-Za-z_]\w*)$/.exec(segments)?.[1];
        if (last ? !candidates.fields.has(last) : candidates.pointers.has(m[0])) continue;
      }
      const expr = ctx.scope.descendantForIndex(start, end);
      if (!expr || expr.startIndex !== start || expr.endIndex !== end || seenNodes.has(expr.id)) continue;
      seenNodes.add(expr.id);
      const parent = expr.parent;
      if (!parent) continue;
      if (parent.type === 'range_clause') {
        checkRange(parent, expr);
        continue;
      }
      const lock = lockOf(expr);
      if (!lock) continue;
      const how = copyContext(expr, parent);
      if (how) report(expr, expr, lock, how);
    }
    return out;

    function checkRange(clause: Node, right: Node): void {
      if (clause.childForFieldName('right')?.id !== right.id) return;
      const left = clause.childForFieldName('left')?.namedChildren ?? [];
      const value = left[1];
      if (!value || value.text === '_') return;
      const fn = innermost(functions, right);
      const t = fn ? ctx.types(fn).typeOf(right) : undefined;
      const elem = t ? elementType(t) : undefined;
      const lock = lockOfType(elem);
      if (!lock) return;
      out.push({
        code: CODE,
        message: `range copies each element of '${right.text}' into '${value.text}', and each holds a ${describe(lock)}: range over the index and take '&${right.text}[i]'`,
        range: nodeRange(value),
        related: [],
        fixes: [],
      });
    }
  },
};

/** How the syntax around `expr` copies it, or undefined when it does not (a left-hand side, `&x`, a print call). */
function copyContext(expr: Node, parent: Node): string | undefined {
  switch (parent.type) {
    case 'expression_list': {
      const stmt = parent.parent;
      if (!stmt) return undefined;
      if (stmt.type === 'return_statement') return 'this return';
      const index = parent.namedChildren.findIndex((c) => c?.id === expr.id);
      if (stmt.type === 'var_spec') {
        if (stmt.childForFieldName('value')?.id !== parent.id) return undefined;
        const names = stmt.childrenForFieldName('name');
        if (names.length !== parent.namedChildCount || names[index]?.text === '_') return undefined;
        return 'this declaration';
      }
      if (stmt.type !== 'short_var_declaration' && !(stmt.type === 'assignment_statement' && hasToken(stmt, '='))) return undefined;
      if (stmt.childForFieldName('right')?.id !== parent.id) return undefined;
      const left = stmt.childForFieldName('left')?.namedChildren ?? [];
      if (left.length !== parent.namedChildCount || left[index]?.text === '_') return undefined;
      return 'this assignment';
    }
    case 'return_statement':
      return 'this return';
    case 'argument_list': {
      const call = parent.parent;
      const callee = call?.childForFieldName('function')?.text ?? '';
      if (call?.type !== 'call_expression' || NOT_COPYING.has(callee) || PRINT_LIKE.test(callee)) return undefined;
      return `this call of '${callee}'`;
    }
    case 'literal_element': {
      const holder = parent.parent;
      if (holder?.type === 'literal_value') return 'this composite literal';
      if (holder?.type === 'keyed_element' && holder.namedChildren[1]?.id === parent.id) return 'this composite literal';
      return undefined;
    }
    default:
      return undefined;
  }
}
