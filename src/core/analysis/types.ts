/**
 * The analysis model shared by every front door. Positions are 0-based lines and UTF-16
 * columns, which is what both tree-sitter (web build) and LSP use, so no conversion is needed
 * between the parser and the editor.
 */

/** A 0-based line and UTF-16 column. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** How loudly a finding is shown; `off` disables the rule. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type SeveritySetting = Severity | 'off';

/** A text replacement in the analysed file. */
export interface TextEdit {
  range: Range;
  newText: string;
}

/** A quick fix: a named set of edits to the analysed file. */
export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix the editor offers first (e.g. on Ctrl+. in one keystroke). */
  isPreferred?: boolean;
}

/** A place that explains a finding, e.g. the loop that declares the captured variable. */
export interface Related {
  range: Range;
  message: string;
}

/** One finding of one rule at one place. */
export interface Finding {
  /** `family/name`, e.g. `closure/loopvar`. */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  related: Related[];
  fixes: Fix[];
}

/** What a rule says about itself; the docs page and the settings are generated from this. */
export interface RuleMeta {
  /** `family/name`. */
  code: string;
  /** One line, shown in settings and in SARIF. */
  summary: string;
  defaultSeverity: Severity;
}

// The type index lives in ./types/; re-exported so `from '../types'` reaches it from any rule.
export { extractTypeFacts, FunctionTypes, PackageIndex, type FileTypeFacts, type LockPath } from './types/index';
