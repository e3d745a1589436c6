/** Applies quick-fix edits to a text the way an editor does, for tests of the fixes. */
import type { TextEdit } from '../../src/core/analysis/types';

function offsetOf(text: string, p: { line: number; character: number }): number {
  let offset = 0;
  for (let i = 0; i < p.line; i++) offset = text.indexOf('\n', offset) + 1;
  return offset + p.character;
}

/** Applies non-overlapping edits back to front so earlier offsets stay valid. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetOf(text, b.range.start) - offsetOf(text, a.range.start));
  for (const e of sorted) text = text.slice(0, offsetOf(text, e.range.start)) + e.newText + text.slice(offsetOf(text, e.range.end));
  return text;
}
