/**
 * Type knowledge without a type checker: which types of a package hold locks, what the fields
 * of its structs are, and the declared type of a variable where the source says it. Rules
 * use it to tell a mutex from anything else with a Lock method; where a type is unknown they
 * stay silent rather than guess.
 */
import type { Node } from '../parser';
import { findDeclarationBelow, isFunction } from '../syntax';
import { canonicalize, type FieldFact, type FileTypeFacts, type MethodLock } from './facts';

export { extractTypeFacts, type FileTypeFacts } from './facts';

/** Types whose values must not be copied once used (go vet's copylocks list, plus noCopy). */
const LOCK_TYPES = new Set([
  'sync.Mutex',
  'sync.RWMutex',
  'sync.WaitGroup',
  'sync.Once',
  'sync.Cond',
  'sync.Map',
  'sync.Pool',
  'sync/atomic.Int32',
  'sync/atomic.Int64',
  'sync/atomic.Uint32',
  'sync/atomic.Uint64',
  'sync/atomic.Uintptr',
  'sync/atomic.Bool',
  'sync/atomic.Pointer',
  'sync/atomic.Value',
]);

/** A lock held by value inside a type, with the field path that reaches it. */
export interface LockPath {
  kind: string;
  path: string[];
}

/** Strips type arguments: `sync/atomic.Pointer[T]` -> `sync/atomic.Pointer`, `G[int]` -> `G`. */
function baseOf(type: string): string {
  const bracket = type.indexOf('[');
  return bracket > 0 ? type.slice(0, bracket) : type;
}

/** What the files of one package (one directory, one package clause) declare. */
export class PackageIndex {
  private readonly files = new Map<string, FileTypeFacts>();
  private readonly structs = new Map<string, FieldFact[]>();
  private readonly named = new Map<string, string>();
  private readonly methods = new Map<string, Map<string, { pointer: boolean; locks?: readonly MethodLock[] }>>();
  private readonly lockCache = new Map<string, LockPath | null>();

  constructor(files: readonly FileTypeFacts[]) {
    for (const f of files) {
      this.files.set(f.path, f);
      for (const [name, fields] of Object.entries(f.structs)) this.structs.set(name, fields);
      for (const [name, type] of Object.entries(f.named)) this.named.set(name, type);
      for (const m of f.methods) {
        let set = this.methods.get(m.recv);
        if (!set) this.methods.set(m.recv, (set = new Map()));
        set.set(m.name, { pointer: m.pointer, locks: m.locks });
      }
    }
  }

  private print?: string;

  /**
   * A string that changes whenever any declaration of the package changes: findings of a
   * declaration depend on the types declared elsewhere, so cached findings are keyed by it.
   */
  fingerprint(): string {
    if (this.print === undefined) {
      const json = JSON.stringify([...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
      // A short digest: the print is part of a cache key per declaration, and a long key
      // would be copied and hashed once per declaration on every keystroke.
      let h1 = 0x811c9dc5;
      let h2 = 0x01000193;
      for (let i = 0; i < json.length; i++) {
        const c = json.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      }
      this.print = `${json.length.toString(36)}.${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`;
    }
    return this.print;
  }

  /** Local name -> import path for the file at `path`. */
  imports(path: string): ReadonlyMap<string, string> {
    // Rules ask per declaration: build each file's map once.
    let map = this.importMaps.get(path);
    if (!map) this.importMaps.set(path, (map = new Map(Object.entries(this.files.get(path)?.imports ?? {}))));
    return map;
  }

  private readonly importMaps = new Map<string, Map<string, string>>();

  dotImports(path: string): readonly string[] {
    return this.files.get(path)?.dotImports ?? [];
  }

  /** The canonical form of a type written in the file at `path` (package qualifiers -> import paths). */
  canonical(typeText: string, path: string): string {
    return canonicalize(typeText, this.files.get(path)?.imports ?? {});
  }

  /** Whether the package declares a type of this name. */
  isLocalType(name: string): boolean {
    return this.structs.has(name) || this.named.has(name);
  }

  /**
   * The lock a value of `type` holds by value: the type itself, an embedded or named field,
   * transitively, through arrays too; never through pointers, slices, maps, channels or funcs,
   * which share rather than copy.
   */
  lockIn(type: string): LockPath | undefined {
    return this.lockInner(type.trim(), new Set()) ?? undefined;
  }

  private lockInner(type: string, visiting: Set<string>): LockPath | null {
    while (/^\[[^\]]+\]/.test(type) && !type.startsWith('[]')) type = type.replace(/^\[[^\]]+\]\s*/, '');
    if (/^(\*|\[\]|map\[|chan\b|<-|func\b|interface\b)/.test(type)) return null;
    const base = baseOf(type);
    if (LOCK_TYPES.has(base)) return { kind: base, path: [] };
    if (base === 'noCopy') return { kind: 'noCopy', path: [] };
    const cached = this.lockCache.get(base);
    if (cached !== undefined) return cached;
    if (visiting.has(base)) return null;
    visiting.add(base);
    let found: LockPath | null = null;
    const named = this.named.get(base);
    if (named !== undefined) found = this.lockInner(named, visiting);
    else if (type.startsWith('struct')) found = null;
    else {
      for (const field of this.structs.get(base) ?? []) {
        const inner = this.lockInner(field.type, visiting);
        if (inner) {
          found = { kind: inner.kind, path: [field.name, ...inner.path] };
          break;
        }
      }
    }
    visiting.delete(base);
    this.lockCache.set(base, found);
    return found;
  }

  private lockHolders?: Set<string>;

  /** The package's own types that hold a lock by value (computed once per index). */
  lockHoldingTypes(): ReadonlySet<string> {
    if (!this.lockHolders) {
      this.lockHolders = new Set();
      for (const name of [...this.structs.keys(), ...this.named.keys()]) if (this.lockIn(name)) this.lockHolders.add(name);
    }
    return this.lockHolders;
  }

  /** Fields of a struct type of this package (`T` or `*T`): name -> canonical type. */
  structFields(type: string): ReadonlyMap<string, string> | undefined {
    const fields = this.structs.get(baseOf(type.replace(/^\*/, '')));
    return fields && new Map(fields.map((f) => [f.name, f.type]));
  }

  /** Methods declared on a type of this package, with whether the receiver is a pointer. */
  methodsOf(type: string): ReadonlyMap<string, { pointer: boolean; locks?: readonly MethodLock[] }> {
    return this.methods.get(baseOf(type.replace(/^\*/, ''))) ?? new Map();
  }

  /** The type of field `name` of `type`, looking through embedded fields one level down. */
  fieldType(type: string, name: string): string | undefined {
    const fields = this.structs.get(baseOf(type.replace(/^\*/, '')));
    if (!fields) return undefined;
    const direct = fields.find((f) => f.name === name);
    if (direct) return direct.type;
    for (const f of fields) {
      if (!f.embedded) continue;
      const promoted = this.structs.get(baseOf(f.type.replace(/^\*/, '')))?.find((g) => g.name === name);
      if (promoted) return promoted.type;
    }
    return undefined;
  }
}

/**
 * Declared types of the expressions inside one function, as far as the source states them.
 * Answers are canonical type strings; undefined means unknown (rules then stay silent).
 */
export class FunctionTypes {
  private readonly cache = new Map<number, string | undefined>();

  constructor(
    private readonly index: PackageIndex,
    private readonly path: string,
    readonly fn: Node,
  ) {}

  private canon(typeNode: Node | null | undefined): string | undefined {
    return typeNode ? this.index.canonical(typeNode.text, this.path) : undefined;
  }

  /** The identifiers of this function's own parameters (and receiver) whose type is `type`. */
  paramsOfType(type: string): Node[] {
    const out: Node[] = [];
    for (const field of ['receiver', 'parameters']) {
      for (const decl of this.fn.childForFieldName(field)?.namedChildren ?? []) {
        if (!decl || this.canon(decl.childForFieldName('type')) !== type) continue;
        for (const n of decl.childrenForFieldName('name')) if (n) out.push(n);
      }
    }
    return out;
  }

  typeOf(expr: Node, depth = 0): string | undefined {
    if (depth > 8) return undefined; // `a := b; b := a` chains, or deep selector paths
    if (this.cache.has(expr.id)) return this.cache.get(expr.id);
    const t = this.compute(expr, depth);
    this.cache.set(expr.id, t);
    return t;
  }

  private compute(expr: Node, depth: number): string | undefined {
    switch (expr.type) {
      case 'identifier':
        return this.identifierType(expr, depth);
      case 'parenthesized_expression': {
        const inner = expr.namedChildren[0];
        return inner ? this.typeOf(inner, depth + 1) : undefined;
      }
      case 'unary_expression': {
        const operand = expr.childForFieldName('operand');
        const op = expr.childForFieldName('operator')?.text ?? expr.child(0)?.text;
        if (!operand) return undefined;
        const t = this.typeOf(operand, depth + 1);
        if (!t) return undefined;
        if (op === '&') return `*${t}`;
        if (op === '*') return t.startsWith('*') ? t.slice(1) : undefined;
        return undefined;
      }
      case 'composite_literal':
        return this.canon(expr.childForFieldName('type'));
      case 'call_expression': {
        const fn = expr.childForFieldName('function');
        const arg = expr.childForFieldName('arguments')?.namedChildren[0];
        if (fn?.type === 'identifier' && fn.text === 'new' && arg) {
          const t = this.canon(arg);
          return t ? `*${t}` : undefined;
        }
        return undefined;
      }
      case 'selector_expression': {
        const operand = expr.childForFieldName('operand');
        const field = expr.childForFieldName('field')?.text;
        if (!operand || !field) return undefined;
        const t = this.typeOf(operand, depth + 1);
        return t ? this.index.fieldType(t, field) : undefined;
      }
      case 'index_expression': {
        const operand = expr.childForFieldName('operand');
        const t = operand ? this.typeOf(operand, depth + 1) : undefined;
        const m = t ? /^(?:\[[^\]]*\]|map\[[^\]]+\])(.+)$/.exec(t) : null;
        return m ? m[1] : undefined;
      }
      default:
        return undefined;
    }
  }

  private identifierType(id: Node, depth: number): string | undefined {
    const root = this.outermostFunction();
    const decl = findDeclarationBelow(id, id.text, root.parent ?? root);
    if (!decl) return undefined;
    const owner = decl.parent;
    if (!owner) return undefined;
    switch (owner.type) {
      case 'parameter_declaration':
      case 'variadic_parameter_declaration': {
        const t = this.canon(owner.childForFieldName('type'));
        return t && owner.type === 'variadic_parameter_declaration' ? `[]${t}` : t;
      }
      case 'var_spec': {
        const declared = this.canon(owner.childForFieldName('type'));
        if (declared) return declared;
        const index = owner.childrenForFieldName('name').findIndex((n) => n?.id === decl?.id);
        const value = owner.childForFieldName('value')?.namedChildren[index];
        return value ? this.typeOf(value, depth + 1) : undefined;
      }
      case 'expression_list': {
        const stmt = owner.parent;
        if (stmt?.type !== 'short_var_declaration') return undefined;
        const left = owner.namedChildren;
        const right = stmt.childForFieldName('right')?.namedChildren ?? [];
        // `a, b := f()` has one value for two names: the types are the call's, unknown here.
        if (left.length !== right.length) return undefined;
        const index = left.findIndex((n) => n?.id === decl?.id);
        const value = right[index];
        if (!value || value.id === id.id) return undefined;
        return this.typeOf(value, depth + 1);
      }
      default:
        return undefined;
    }
  }

  private outer?: Node;

  /** Closures see the variables of the functions around them. */
  private outermostFunction(): Node {
    if (this.outer) return this.outer;
    let outer = this.fn;
    for (let p = this.fn.parent; p; p = p.parent) if (isFunction(p)) outer = p;
    this.outer = outer;
    return outer;
  }
}
