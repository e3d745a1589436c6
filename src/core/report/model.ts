/**
 * What every report format starts from: the findings of each analysed file, with the path as
 * the user should see it. Formats are pure functions of this model, so the CLI and the
 * extension (e.g. an "export findings" command) print exactly the same thing.
 */
import type { Finding, Position } from '../analysis/types';

/** One analysed file as a report shows it. */
export interface ReportFile {
  /**
   * The path shown to the user, relative to the report's base directory (the CLI's working
   * directory) with `/` separators; `../` when the file lies outside the base.
   */
  path: string;
  /** Absolute path on disk; SARIF falls back to a `file:` URI for files outside the base. */
  absolutePath: string;
  /**
   * The text the findings were computed on. Needed because findings carry UTF-16 columns
   * (the editor's unit) while command-line output counts UTF-8 bytes, as Go tools do.
   */
  text: string;
  findings: readonly Finding[];
}

/** A file the run could not analyse, shown as a notice rather than dropped silently. */
export interface ReportNotice {
  /** As in {@link ReportFile.path}. */
  path: string;
  absolutePath: string;
  /** `skipped`: too large or parse timeout; `error`: unreadable, or the analysis failed. */
  kind: 'skipped' | 'error';
  message: string;
}

/** A 1-based line and a 1-based column, the convention of every command-line report. */
export interface OneBasedPosition {
  line: number;
  column: number;
}

/** Offsets of line starts, built once per file so column conversion stays linear. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** The text of a 0-based line without its line break, or undefined past the end. */
  lineText(line: number): string | undefined {
    if (line < 0 || line >= this.starts.length) return undefined;
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    const raw = this.text.slice(this.starts[line], end);
    return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  }

  /**
   * Converts an editor position (0-based line, UTF-16 column) to a 1-based line and 1-based
   * UTF-8 byte column, the unit of `go vet`, the Go compiler and gopls' command line.
   */
  toByteColumn(p: Position): OneBasedPosition {
    const text = this.lineText(p.line);
    // A position the text cannot confirm (file changed since analysis) keeps its own column
    // rather than inventing one.
    if (text === undefined) return { line: p.line + 1, column: p.character + 1 };
    const prefix = text.slice(0, Math.min(p.character, text.length));
    const beyond = Math.max(0, p.character - text.length);
    return { line: p.line + 1, column: Buffer.byteLength(prefix, 'utf8') + beyond + 1 };
  }
}

/** An editor position as a 1-based line and 1-based UTF-16 column (SARIF's `utf16CodeUnits`). */
export function toUtf16Column(p: Position): OneBasedPosition {
  return { line: p.line + 1, column: p.character + 1 };
}

/** Report files in a stable order (by path), each file's findings by position. */
export function sortReportFiles(files: readonly ReportFile[]): ReportFile[] {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => ({
      ...f,
      findings: [...f.findings].sort(
        (a, b) =>
          a.range.start.line - b.range.start.line ||
          a.range.start.character - b.range.start.character ||
          (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
      ),
    }));
}

/** Counts for the one-line summary of a run. */
export interface ReportSummary {
  findings: number;
  filesWithFindings: number;
  filesAnalysed: number;
  elapsedMs: number;
}

/** Summarises report files; `filesAnalysed` counts files that were parsed and checked. */
export function summarize(files: readonly ReportFile[], filesAnalysed: number, elapsedMs: number): ReportSummary {
  let findings = 0;
  let filesWithFindings = 0;
  for (const f of files) {
    findings += f.findings.length;
    if (f.findings.length > 0) filesWithFindings++;
  }
  return { findings, filesWithFindings, filesAnalysed, elapsedMs };
}
