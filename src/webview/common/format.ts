/**
 * Number formatting shared by the webviews (flame graph, GC report). Pure (no DOM), and fixed
 * formats rather than toLocaleString: the same text in every locale keeps tests and screenshots
 * stable.
 */

/** `1234567` -> `1,234,567`. */
export function thousands(n: number): string {
  const neg = n < 0;
  const s = Math.round(Math.abs(n)).toString();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return neg ? `-${out}` : out;
}

/** Three significant digits, trailing zeros dropped: what a reader compares; more is noise. */
export function sig3(n: number): string {
  const a = Math.abs(n);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  const s = n.toFixed(digits);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
