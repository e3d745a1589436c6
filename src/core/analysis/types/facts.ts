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

export interface MethodFact {
  /** Receiver base type name, without `*` or type arguments. */
  recv: string;
  name: string;
  pointer: boolean;
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

export function extractTypeFacts(tree: Tree, path: string): FileTypeFacts {
  const facts: FileTypeFacts = { path, packageName: '', imports: {}, dotImports: [], structs: {}, named: {}, methods: [] };
  const root = tree.rootNode;
  // Imports come first in Go; collect them before canonicalising any type.
  for (const node of root.namedChildren) {
    if (!node) continue;
    if (node.type === 'package_clause') facts.packageName = node.namedChildren[0]?.text ?? '';
    if (node.type !== 'import_declaration') continue;
    for (const spec of node.descendantsOfType('import_spec')) {
      if (!spec) continue;
      const importPath = stringContent(spec.childForFieldName('path'));
      const name = spec.childForFieldName('name');
      if (!name) facts.imports[defaultImportName(importPath)] = importPath;
      else if (name.type === 'dot') facts.dotImports.push(importPath);
      else if (name.type !== 'blank_identifier') facts.imports[name.text] = importPath;
    }
  }
  const canon = (n: Node | null): string => (n ? canonicalize(n.text, facts.imports) : '');
  for (const node of root.namedChildren) {
    if (!node) continue;
    if (node.type === 'type_declaration') {
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
    } else if (node.type === 'method_declaration') {
      const recvType = node.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('type');
      const base = recvType ? receiverBase(recvType) : undefined;
      const name = node.childForFieldName('name')?.text;
      if (base && name) facts.methods.push({ recv: base.name, name, pointer: base.pointer });
    }
  }
  return facts;
}
