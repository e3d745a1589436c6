/**
 * Per-document syntax trees kept across edits. Each content change is applied to the old tree
 * with `tree.edit()` and the document is re-parsed incrementally, so a keystroke re-parses only
 * around the edit instead of the whole file. Trees are wasm memory: evicted ones are
 * `delete()`d explicitly, never left to the garbage collector.
 */
import type { Edit, GoParser, Point, Tree } from './parser';
import type { Range } from './types';

/** An LSP-style content change: a range replacement, or (no range) the whole new text. */
export interface ContentChange {
  range?: Range;
  text: string;
}

interface Entry {
  version: number;
  text: string;
  tree: Tree;
}

/** Line-start offsets of a text, for position -> offset conversion of edits. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function offsetAt(starts: number[], textLength: number, line: number, character: number): number {
  if (line >= starts.length) return textLength;
  return Math.min(starts[line] + character, line + 1 < starts.length ? starts[line + 1] - 1 : textLength);
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
 * Applies `changes` (in order, as LSP sends them) to `text`, calling `onEdit` with the
 * tree-sitter edit of each. Returns the new text.
 */
export function applyChanges(text: string, changes: readonly ContentChange[], onEdit?: (e: Edit) => void): string {
  for (const change of changes) {
    if (!change.range) {
      text = change.text;
      continue;
    }
    const starts = lineStarts(text);
    const { start, end } = change.range;
    const startIndex = offsetAt(starts, text.length, start.line, start.character);
    const oldEndIndex = Math.max(startIndex, offsetAt(starts, text.length, end.line, end.character));
    const startPosition = { row: start.line, column: startIndex - (starts[start.line] ?? 0) };
    const oldEndPosition = { row: end.line, column: oldEndIndex - (starts[end.line] ?? 0) };
    onEdit?.({
      startIndex,
      oldEndIndex,
      newEndIndex: startIndex + change.text.length,
      startPosition,
      oldEndPosition,
      newEndPosition: pointAfter(startPosition, change.text),
    });
    text = text.slice(0, startIndex) + change.text + text.slice(oldEndIndex);
  }
  return text;
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
    this.remember(uri, { version, text, tree });
    return { incremental: false, parseMs: performance.now() - t0 };
  }

  /**
   * Applies edits to the cached tree and re-parses incrementally. Without a cached tree (it was
   * evicted, or the last parse timed out) it parses from scratch.
   */
  change(uri: string, version: number, changes: readonly ContentChange[], fallbackText: string): ParseStats {
    const entry = this.entries.get(uri);
    if (!entry) return this.open(uri, version, fallbackText);
    const text = applyChanges(entry.text, changes, (e) => entry.tree.edit(e));
    const t0 = performance.now();
    let tree: Tree;
    try {
      tree = this.parser.parse(text, entry.tree, this.options.parseTimeoutMs);
    } catch (e) {
      this.close(uri);
      throw e;
    }
    entry.tree.delete();
    this.remember(uri, { version, text, tree });
    return { incremental: true, parseMs: performance.now() - t0 };
  }

  get(uri: string): { tree: Tree; text: string; version: number } | undefined {
    return this.entries.get(uri);
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
