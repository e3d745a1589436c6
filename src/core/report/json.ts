/**
 * The machine-readable report: a flat JSON array of findings, a stable contract for scripts.
 * Lines and columns are 1-based; columns count UTF-8 bytes, the unit of `go vet` and of
 * byte-oriented tools that read files from disk; end positions are exclusive.
 */
import type { Severity } from '../analysis/types';
import { LineIndex, type ReportFile, sortReportFiles } from './model';

/** One element of the `--format json` array. */
export interface JsonFinding {
  /** Relative to the working directory, `/`-separated. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-8 bytes. */
  column: number;
  /** 1-based line of the end of the range. */
  endLine: number;
  /** 1-based UTF-8 byte column just past the end of the range (exclusive). */
  endColumn: number;
  code: string;
  severity: Severity;
  message: string;
}

/** The findings of all files as JSON objects, files in path order, findings by position. */
export function toJsonFindings(files: readonly ReportFile[]): JsonFinding[] {
  const out: JsonFinding[] = [];
  for (const file of sortReportFiles(files)) {
    if (file.findings.length === 0) continue;
    const index = new LineIndex(file.text);
    for (const f of file.findings) {
      const start = index.toByteColumn(f.range.start);
      const end = index.toByteColumn(f.range.end);
      out.push({
        file: file.path,
        line: start.line,
        column: start.column,
        endLine: end.line,
        endColumn: end.column,
        code: f.code,
        severity: f.severity,
        message: f.message,
      });
    }
  }
  return out;
}

/** The `--format json` document, pretty-printed, with a final newline. */
export function formatJson(files: readonly ReportFile[]): string {
  return `${JSON.stringify(toJsonFindings(files), null, 2)}\n`;
}
