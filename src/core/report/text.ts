/**
 * The human and grep-friendly report: one line per finding in the `file:line:col: ...` form
 * that Go tools print, so editors' and CI's existing problem matchers pick it up.
 */
import type { Severity } from '../analysis/types';
import { LineIndex, type ReportFile, type ReportSummary, sortReportFiles } from './model';

export interface TextOptions {
  /** ANSI colours; callers decide (TTY, `NO_COLOR`, `--no-color`). */
  color: boolean;
}

const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const SEVERITY_COLOR: Record<Severity, string> = {
  error: '\x1b[31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  hint: DIM,
};

/**
 * One line per finding: `path:line:col: severity code: message`, line and column 1-based,
 * the column counting UTF-8 bytes like `go vet`. Files in path order, findings by position.
 */
export function formatText(files: readonly ReportFile[], options: TextOptions): string {
  const paint = (code: string, s: string): string => (options.color ? `${code}${s}${RESET}` : s);
  const lines: string[] = [];
  for (const file of sortReportFiles(files)) {
    if (file.findings.length === 0) continue;
    const index = new LineIndex(file.text);
    for (const f of file.findings) {
      const at = index.toByteColumn(f.range.start);
      // A message is one line by contract; a stray newline must not break line-based parsers.
      const message = f.message.replace(/\s*\n\s*/g, ' ');
      lines.push(
        `${paint(BOLD, `${file.path}:${at.line}:${at.column}:`)} ${paint(SEVERITY_COLOR[f.severity], f.severity)} ` +
          `${paint(DIM, `${f.code}:`)} ${message}`,
      );
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `3 findings in 2 files (40 files analysed in 120 ms)`. */
export function formatSummary(s: ReportSummary): string {
  return (
    `${plural(s.findings, 'finding')} in ${plural(s.filesWithFindings, 'file')} ` +
    `(${plural(s.filesAnalysed, 'file')} analysed in ${Math.round(s.elapsedMs)} ms)`
  );
}
