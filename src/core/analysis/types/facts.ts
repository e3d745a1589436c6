/**
 * Type facts of one file, read from its top-level declarations only (imports, type
 * declarations, method receivers): cheap to extract, plain data that can be cached per file
 * and merged into a package index. Types are stored canonical: `s.Mutex` with `import s
 * "sync"` becomes `sync.Mutex`; a type of this package keeps its bare name.
 */
import type { Node, Tree } from '../parser';

export interface FieldFact {
  /** Field name; for an embedded field, the type's name (as Go names it). */
  name: string;
  type: string;
  embedded: boolean;
}

/** A lock a method takes on its receiver as one of its top-level statements. */
export interface MethodLock {
  /** The locked path after the receiver's name: `.mu` for `c.mu.Lock()`, `` for `c.Lock()`. */
  suffix: string;
  /** `r` for RLock, `w` for Lock. */
  side: 'r' | 'w';
}

export interface MethodFact {
  /** Receiver base type name, without `*` or type arguments. */
  recv: string;
  name: string;
  pointer: boolean;
  /**
   * Locks the method takes on its receiver as a top-level statement before any unlock of
   * them (not "called with the lock held" helpers that release and re-take it), so that a
   * caller holding one of them deadlocks (mutex/double-lock, one level of calls).
   */
  locks?: MethodLock[];
}

export interface FileTypeFacts {
  path: string;
  packageName: string;
  /** Local name -> import path (aliases and default names; blank imports left out). */
  imports: Record<string, string>;
  /** Import paths imported with `.`. */
  dotImports: string[];
  /** Struct types declared in this file: name -> fields. */
  structs: Record<string, FieldFact[]>;
  /** Other named types and aliases: name -> canonical underlying type. */
  named: Record<string, string>;
  methods: MethodFact[];
}

/**
 * The name a package is referred to by when imported without an alias. The real name is the
 * imported package's own clause, which syntax cannot see; the last path element is right for
 * nearly all packages (`gopkg.in/yaml.v3` -> `yaml`, `.../v2` -> the element before).
 */
export function defaultImportName(importPath: string): string {
  const parts = importPath.split('/');
  let last = parts[parts.length - 1];
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2];
  return last.replace(/\.v\d+$/, '').replace(/^go-/, '').replace(/[.-]/g, '_');
}

/** Rewrites package qualifiers in a type's text to import paths; folds whitespace. */
export function canonicalize(typeText: string, imports: Readonly<Record<string, string>>): string {
  return typeText
    .replace(/\s+/g, ' ')
    .replace(/\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)/g, (whole, pkg: string, name: string) => {
      const path = imports[pkg];
      return path ? `${path}.${name}` : whole;
    });
}

function stringContent(lit: Node | null): string {
  return lit ? lit.text.replace(/^["`]|["`]$/g, '') : '';
}

/** The base name of a receiver type: `*T`, `T`, `T[K]`, `*T[K, V]` -> `T`. */
function receiverBase(type: Node): { name: string; pointer: boolean } | undefined {
  let t: Node | null = type;
  let pointer = false;
  if (t.type === 'pointer_type') {
    pointer = true;
    t = t.namedChildren[0];
  }
  if (t?.type === 'generic_type') t = t.childForFieldName('type');
  return t?.type === 'type_identifier' ? { name: t.text, pointer } : undefined;
}

/** Go's name for an embedded field: the type name without `*`, package or type arguments. */
function embeddedName(type: Node): string {
  const text = type.text.replace(/^\*/, '').replace(/\[.*$/s, '');
  const dot = text.lastIndexOf('.');
  return dot === -1 ? text : text.slice(dot + 1);
}

/**
 * A method's receiver base type and name read from the text of its header, which is far
 * cheaper than asking the tree for them (a server keystroke re-reads the facts of a file that
 * may have hundreds of methods). Undefined for anything unusual (a comment or a parenthesised
 * type in the receiver, non-ASCII names): the caller then reads the tree.
 */
const METHOD_HEADER = /func[ \t]*\([ \t]*(?:[A-Za-z_]\w*[ \t]+)?(\*?)[ \t]*([A-Za-z_]\w*)[ \t]*(?:\[[^\]\n]*\])?[ \t]*\)[ \t]*([A-Za-z_]\w*)[ \t]*\(/y;

function methodFromText(text: string, start: number): MethodFact | undefined {
  METHOD_HEADER.lastIndex = start;
  const m = METHOD_HEADER.exec(text);
  return m ? { recv: m[2], name: m[3], pointer: m[1] === '*' } : undefined;
}

function methodFromTree(node: Node): MethodFact | undefined {
  const recvType = node.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('type');
  const base = recvType ? receiverBase(recvType) : undefined;
  const name = node.childForFieldName('name')?.text;
  return base && name ? { recv: base.name, name, pointer: base.pointer } : undefined;
}

/** See {@link MethodFact.locks}; `method` is a method_declaration. */
function leadingLocks(method: Node): MethodLock[] {
  const recv = method.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('name')?.text;
  const body = method.childForFieldName('body');
  if (!recv || recv === '_' || !body) return [];
  const out: MethodLock[] = [];
  const list = body.namedChildren.find((c) => c?.type === 'statement_list');
  for (const stmt of list?.namedChildren ?? []) {
    const call = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : null;
    const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
    if (!call || callee?.type !== 'selector_expression' || (call.childForFieldName('arguments')?.namedChildCount ?? 1) > 0) continue;
    const op = callee.childForFieldName('field')?.text;
    const key = callee.childForFieldName('operand')?.text.replace(/\s+/g, '');
    if ((op !== 'Lock' && op !== 'RLock') || !key || (key !== recv && !key.startsWith(`${recv}.`))) continue;
    const before = body.text.slice(0, stmt!.startIndex - body.startIndex);
    if (before.includes(`${key}.Unlock(`) || before.includes(`${key}.RUnlock(`)) continue;
    out.push({ suffix: key.slice(recv.length), side: op === 'RLock' ? 'r' : 'w' });
  }
  return out;
}

/** Locks of methods by their text, shared by every file (see extractTypeFacts). */
const methodLocks = new Map<string, MethodLock[]>();

function addTypeDeclaration(node: Node, facts: FileTypeFacts): void {
  const canon = (n: Node | null): string => (n ? canonicalize(n.text, facts.imports) : '');
  for (const spec of node.namedChildren) {
    if (!spec || (spec.type !== 'type_spec' && spec.type !== 'type_alias')) continue;
    const name = spec.childForFieldName('name')?.text;
    const type = spec.childForFieldName('type');
    if (!name || !type) continue;
    if (type.type !== 'struct_type') {
      facts.named[name] = canon(type);
      continue;
    }
    const fields: FieldFact[] = [];
    for (const decl of type.descendantsOfType('field_declaration')) {
      // Only this struct's own fields, not those of nested anonymous structs.
      if (!decl || decl.parent?.parent?.id !== type.id) continue;
      const fieldType = decl.childForFieldName('type');
      if (!fieldType) continue;
      const names = decl.childrenForFieldName('name').filter((n): n is Node => n !== null);
      if (names.length === 0) {
        // tree-sitter-go writes the `*` of an embedded `*T` as a token beside the type,
        // not as a pointer_type node: without it a shared *T would look like a copied T.
        const pointer = decl.children.some((c) => c?.type === '*');
        fields.push({ name: embeddedName(fieldType), type: `${pointer ? '*' : ''}${canon(fieldType)}`, embedded: true });
      }
      for (const n of names) fields.push({ name: n.text, type: canon(fieldType), embedded: false });
    }
    facts.structs[name] = fields;
  }
}

/** Facts of type declarations by imports and text, shared by every file (see extractTypeFacts). */
const typeDeclarations = new Map<string, Pick<FileTypeFacts, 'structs' | 'named'>>();
/** Entries before the cache starts over; a large workspace has tens of thousands of declarations. */
const TYPE_DECLARATION_CACHE = 20000;

/**
 * Reads the facts of a file. `text` (the tree's source) lets method headers be read from the
 * text; without it they come from the tree. Top-level declarations are visited with a cursor
 * so that function declarations, most of a file, cost no Node object.
 */
export function extractTypeFacts(tree: Tree, path: string, text?: string): FileTypeFacts {
  const facts: FileTypeFacts = { path, packageName: '', imports: {}, dotImports: [], structs: {}, named: {}, methods: [] };
  const types: Array<{ start: number; end: number; node: Node | undefined }> = [];
  const cursor = tree.walk();
  try {
    for (let more = cursor.gotoFirstChild(); more; more = cursor.gotoNextSibling()) {
      switch (cursor.nodeType) {
        case 'package_clause':
          facts.packageName = cursor.currentNode.namedChildren[0]?.text ?? '';
          break;
        case 'import_declaration':
          for (const spec of cursor.currentNode.descendantsOfType('import_spec')) {
            if (!spec) continue;
            const importPath = stringContent(spec.childForFieldName('path'));
            const name = spec.childForFieldName('name');
            if (!name) facts.imports[defaultImportName(importPath)] = importPath;
            else if (name.type === 'dot') facts.dotImports.push(importPath);
            else if (name.type !== 'blank_identifier') facts.imports[name.text] = importPath;
          }
          break;
        case 'type_declaration':
          // Canonicalised once every import is known (Go puts imports first, but an
          // error-tolerant tree of a half-typed file need not).
          types.push(text !== undefined ? { start: cursor.startIndex, end: cursor.endIndex, node: undefined } : { start: 0, end: 0, node: cursor.currentNode });
          break;
        case 'method_declaration': {
          const method = (text !== undefined ? methodFromText(text, cursor.startIndex) : undefined) ?? methodFromTree(cursor.currentNode);
          if (!method) break;
          facts.methods.push(method);
          if (text === undefined) {
            const locks = leadingLocks(cursor.currentNode);
            if (locks.length > 0) method.locks = locks;
            break;
          }
          const source = text.slice(cursor.startIndex, cursor.endIndex);
          if (!source.includes('Lock()')) break;
          // Cached by the method's text: a keystroke re-reads every method of the file.
          let locks = methodLocks.get(source);
          if (!locks) {
            locks = leadingLocks(cursor.currentNode);
            if (methodLocks.size >= TYPE_DECLARATION_CACHE) methodLocks.clear();
            methodLocks.set(source, locks);
          }
          if (locks.length > 0) method.locks = locks;
          break;
        }
      }
    }
  } finally {
    cursor.delete();
  }
  const imports = JSON.stringify(facts.imports);
  for (const t of types) {
    if (t.node) {
      addTypeDeclaration(t.node, facts);
      continue;
    }
    // A keystroke re-reads every type declaration of the file; one the edit did not touch
    // gives what it gave last time, found by its text and the file's imports.
    const key = `${imports}\0${text?.slice(t.start, t.end)}`;
    let declared = typeDeclarations.get(key);
    if (!declared) {
      const node = tree.rootNode.descendantForIndex(t.start, t.end);
      declared = { structs: {}, named: {} };
      const scratch: FileTypeFacts = { ...facts, structs: declared.structs, named: declared.named };
      const decl = node?.type === 'type_declaration' ? node : node?.parent?.type === 'type_declaration' ? node.parent : undefined;
      if (decl) addTypeDeclaration(decl, scratch);
      if (typeDeclarations.size >= TYPE_DECLARATION_CACHE) typeDeclarations.clear();
      typeDeclarations.set(key, declared);
    }
    Object.assign(facts.structs, declared.structs);
    Object.assign(facts.named, declared.named);
  }
  return facts;
}
