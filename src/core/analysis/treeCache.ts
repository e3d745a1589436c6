/**
 * Per-document syntax trees kept across edits. Each content change is applied to the old tree
 * with `tree.edit()` and the document is re-parsed incrementally, so a keystroke re-parses only
 * around the edit instead of the whole file. Trees are wasm memory: evicted ones are
 * `delete()`d explicitly, never left to the garbage collector.
 */
import type { Edit, GoParser, Point, Tree } from './parser';
import { lineStarts } from './syntax';
import type { Range } from './types';

/** An LSP-style content change: a range replacement, or (no range) the whole new text. */
export interface ContentChange {
  range?: Range;
  text: string;
}

interface Entry {
  version: number;
  doc: DocumentText;
  tree: Tree;
}

/** The tree-sitter point after inserting `text` at `start`. */
function pointAfter(start: Point, text: string): Point {
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline === -1) return { row: start.row, column: start.column + text.length };
  let rows = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: text.length - lastNewline - 1 };
}

/**
 * A document's text with its line-start offsets, both updated per edit. Keeping the line
 * index up to date costs O(lines) per edit; recomputing it would scan every character of the
 * file on every keystroke (4 ms for a 3 MB file).
 */
export class DocumentText {
  private starts: number[];

  constructor(public text: string) {
    this.starts = lineStarts(text);
  }

  /** Offset of a (0-based) line and UTF-16 character, clamped to the text like LSP requires. */
  private offsetAt(line: number, character: number): number {
    const { starts, text } = this;
    if (line >= starts.length) return text.length;
    const lineEnd = line + 1 < starts.length ? starts[line + 1] - 1 : text.length;
    return Math.min(starts[line] + character, lineEnd);
  }

  /** offsetAt clamps a line past the end to the end of the text, which is on the last line. */
  private clampLine(line: number): number {
    return Math.min(line, this.starts.length - 1);
  }

  /** Applies one change; returns the matching tree-sitter edit, or undefined for a full replacement. */
  apply(change: ContentChange): Edit | undefined {
    if (!change.range) {
      this.text = change.text;
      this.starts = lineStarts(change.text);
      return undefined;
    }
    const { start, end } = change.range;
    const startIndex = this.offsetAt(start.line, start.character);
    const oldEndIndex = Math.max(startIndex, this.offsetAt(end.line, end.character));
    const startLine = this.clampLine(start.line);
    const endLine = this.clampLine(end.line);
    const startPosition = { row: startLine, column: startIndex - this.starts[startLine] };
    const oldEndPosition = { row: endLine, column: oldEndIndex - this.starts[endLine] };
    const edit: Edit = {
      startIndex,
      oldEndIndex,
      newEndIndex: startIndex + change.text.length,
      startPosition,
      oldEndPosition,
      newEndPosition: pointAfter(startPosition, change.text),
    };
    this.text = this.text.slice(0, startIndex) + change.text + this.text.slice(oldEndIndex);
    // Lines that began inside the replaced range go; lines of the new text come in; every
    // later line moves by the change in length.
    const inserted: number[] = [];
    for (let k = change.text.indexOf('\n'); k !== -1; k = change.text.indexOf('\n', k + 1)) inserted.push(startIndex + k + 1);
    this.starts.splice(startLine + 1, endLine - startLine, ...inserted);
    const delta = change.text.length - (oldEndIndex - startIndex);
    for (let i = startLine + 1 + inserted.length; i < this.starts.length; i++) this.starts[i] += delta;
    return edit;
  }
}

/**
 * Applies `changes` (in order, as LSP sends them) to `text`, calling `onEdit` with the
 * tree-sitter edit of each. Returns the new text.
 */
export function applyChanges(text: string, changes: readonly ContentChange[], onEdit?: (e: Edit) => void): string {
  const doc = new DocumentText(text);
  for (const change of changes) {
    const edit = doc.apply(change);
    if (edit) onEdit?.(edit);
  }
  return doc.text;
}

export interface ParseStats {
  /** Whether the last parse reused the previous tree. */
  incremental: boolean;
  parseMs: number;
}

/** Keeps one tree per open document, with LRU eviction. */
export class TreeCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly parser: GoParser,
    private readonly options: { maxEntries: number; parseTimeoutMs: number } = { maxEntries: 64, parseTimeoutMs: 3000 },
  ) {}

  /** Parses a newly opened (or fully replaced) document. Throws ParseTimeoutError. */
  open(uri: string, version: number, text: string): ParseStats {
    this.close(uri);
    const t0 = performance.now();
    const tree = this.parser.parse(text, null, this.options.parseTimeoutMs);
    this.remember(uri, { version, doc: new DocumentText(text), tree });
    return { incremental: false, parseMs: performance.now() - t0 };
  }

  /**
   * Applies edits to the cached tree and re-parses incrementally. Without a cached tree (it was
   * evicted, or the last parse timed out) it parses from scratch.
   */
  change(uri: string, version: number, changes: readonly ContentChange[], fallbackText: string): ParseStats {
    const entry = this.entries.get(uri);
    if (!entry) return this.open(uri, version, fallbackText);
    for (const change of changes) {
      const edit = entry.doc.apply(change);
      if (edit) entry.tree.edit(edit);
    }
    const t0 = performance.now();
    let tree: Tree;
    try {
      tree = this.parser.parse(entry.doc.text, entry.tree, this.options.parseTimeoutMs);
    } catch (e) {
      this.close(uri);
      throw e;
    }
    entry.tree.delete();
    this.remember(uri, { version, doc: entry.doc, tree });
    return { incremental: true, parseMs: performance.now() - t0 };
  }

  get(uri: string): { tree: Tree; text: string; version: number } | undefined {
    const entry = this.entries.get(uri);
    return entry && { tree: entry.tree, text: entry.doc.text, version: entry.version };
  }

  close(uri: string): void {
    const entry = this.entries.get(uri);
    if (!entry) return;
    entry.tree.delete();
    this.entries.delete(uri);
  }

  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    for (const uri of [...this.entries.keys()]) this.close(uri);
  }

  private remember(uri: string, entry: Entry): void {
    // Re-inserting moves the key to the end: Map order is the LRU order.
    this.entries.delete(uri);
    this.entries.set(uri, entry);
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.close(oldest);
    }
  }
}
