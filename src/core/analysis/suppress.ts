/**
 * `//golab:ignore <code>[,<code>...] <reason>` on the line of a finding, or alone on the line
 * above it, silences that finding. A family name (`closure`) silences the whole family.
 */

const DIRECTIVE = /\/\/\s*golab:ignore\s+([\w/,-]+)(.*)$/;

export interface Suppression {
  /** 0-based line the directive silences findings on. */
  line: number;
  codes: string[];
}

/**
 * Reads every directive in the file. Runs on every keystroke, so it only scans for the short
 * word `golab` (V8 finds a 5-letter needle several times faster than `golab:ignore` in a
 * 3 MB file) and splits lines only when a directive exists.
 */
export function findSuppressions(text: string): Suppression[] {
  let hit = -1;
  for (let i = text.indexOf('golab'); i !== -1; i = text.indexOf('golab', i + 5)) {
    if (text.startsWith(':ignore', i + 5)) {
      hit = i;
      break;
    }
  }
  if (hit === -1) return [];
  const out: Suppression[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    if (!m) return;
    const codes = m[1].split(',').filter(Boolean);
    const commentOnly = line.trimStart().startsWith('//');
    // A directive alone on its line applies to the next line; a trailing one to its own line.
    out.push({ line: commentOnly ? i + 1 : i, codes });
  });
  return out;
}

export function isSuppressed(code: string, line: number, suppressions: Suppression[]): boolean {
  return suppressions.some(
    (s) => s.line === line && s.codes.some((c) => c === code || code.startsWith(`${c}/`)),
  );
}

/** The text of a directive for a quick fix that silences `code` on a line with `indent`. */
export function suppressionComment(code: string, indent: string): string {
  return `${indent}//golab:ignore ${code} explain why this is safe\n`;
}
