/**
 * Reads `// want "code" ["code"...]` markers from fixture files, as Go's analysistest does:
 * each marker says which findings must be reported on its line; unmarked lines expect none.
 */
export interface Expectation {
  line: number; // 0-based
  code: string;
}

export function readWants(text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /\/\/ want((?:\s+"[^"]+")+)/.exec(line);
    if (!m) return;
    for (const q of m[1].matchAll(/"([^"]+)"/g)) out.push({ line: i, code: q[1] });
  });
  return out;
}

/** Compares findings with markers; returns human-readable mismatches (empty when all agree). */
export function compareWants(file: string, wants: Expectation[], got: Array<{ line: number; code: string }>): string[] {
  const key = (e: Expectation) => `${e.line}:${e.code}`;
  const problems: string[] = [];
  const remaining = new Map<string, number>();
  for (const w of wants) remaining.set(key(w), (remaining.get(key(w)) ?? 0) + 1);
  for (const g of got) {
    const k = key(g);
    const n = remaining.get(k) ?? 0;
    if (n > 0) remaining.set(k, n - 1);
    else problems.push(`${file}:${g.line + 1}: unexpected ${g.code}`);
  }
  for (const [k, n] of remaining) {
    if (n <= 0) continue;
    const [line, code] = k.split(/:(.*)/s);
    problems.push(`${file}:${Number(line) + 1}: missing ${code}`);
  }
  return problems;
}
