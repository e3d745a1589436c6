/** Text edits the mutex quick fixes share: insert a line after or before a statement. */
import type { Node } from '../parser';
import { indentationOf, toPosition } from '../syntax';
import type { Position, TextEdit } from '../types';
import type { Exit } from './flow';

/** Whether only blanks precede offset `at` on its line. */
function startsLine(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*$/.test(text.slice(lineStart, at));
}

/** What follows offset `at` up to the end of its line, and where that line ends. */
function restOfLine(text: string, at: number): { rest: string; end: number } {
  const nl = text.indexOf('\n', at);
  const end = nl === -1 ? text.length : nl;
  return { rest: text.slice(at, end), end };
}

/** Only blanks, or blanks and a line comment (which stays with its statement). */
const BLANK_OR_COMMENT = /^[ \t]*(\/\/.*)?\r?$/;

/** Inserts `code` on a new line after `stmt` (after a trailing comment too), at its indentation. */
export function insertAfter(text: string, stmt: Node, code: string): TextEdit {
  const { rest } = restOfLine(text, stmt.endIndex);
  const at = BLANK_OR_COMMENT.test(rest)
    ? { line: stmt.endPosition.row, character: stmt.endPosition.column + rest.replace(/\r$/, '').length }
    : toPosition(stmt.endPosition);
  return { range: { start: at, end: at }, newText: `\n${indentationOf(text, stmt.startIndex)}${code}` };
}

/**
 * Inserts `code` so that it runs just before `exit` leaves: on its own line above a return or
 * continue that starts its line, or above the closing brace of a body. Undefined when the exit
 * shares its line with other code (a one-line `if x { return }` is left to the user).
 */
export function insertBeforeExit(text: string, exit: Exit, code: string): TextEdit | undefined {
  const at = exit.end ? exit.node.endIndex - 1 : exit.node.startIndex;
  if (!startsLine(text, at)) return undefined;
  const row = exit.end ? exit.node.endPosition.row : exit.node.startPosition.row;
  const indent = indentationOf(text, at) + (exit.end ? '\t' : '');
  const pos: Position = { line: row, character: 0 };
  return { range: { start: pos, end: pos }, newText: `${indent}${code}\n` };
}

/** Deletes the whole line(s) of `stmt` (and a trailing comment) when no other code shares them. */
export function deleteStatement(text: string, stmt: Node): TextEdit | undefined {
  if (!startsLine(text, stmt.startIndex)) return undefined;
  if (!BLANK_OR_COMMENT.test(restOfLine(text, stmt.endIndex).rest)) return undefined;
  return {
    range: { start: { line: stmt.startPosition.row, character: 0 }, end: { line: stmt.endPosition.row + 1, character: 0 } },
    newText: '',
  };
}

/** The `(line N)` suffix messages use, 1-based as editors show it. */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}
