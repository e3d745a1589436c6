/**
 * Synthetic Go inputs that stress the parser and the rules where real code rarely goes: huge
 * files, pathological nesting, bytes that are not Go or not UTF-8. Shared by the robustness
 * benchmark and the robustness unit test so both exercise exactly the same inputs.
 */

/** A small deterministic PRNG (mulberry32), so every run sees the same "random" input. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generated Go file and how many `closure/loopvar` findings it must produce before Go 1.22. */
export interface GeneratedFile {
  text: string;
  /** One captured loop variable per function. */
  loopvarBugs: number;
}

/**
 * Valid Go of about `targetBytes`: many functions, each starting goroutines in a loop that
 * capture the loop variable once (one `closure/loopvar` finding each under Go < 1.22).
 */
export function generatedGoFile(targetBytes: number): GeneratedFile {
  const parts = ['package gen\n\nimport "sync"\n'];
  let size = parts[0].length;
  let n = 0;
  while (size < targetBytes) {
    const fn = `
// worker${n} fans xs out to goroutines.
func worker${n}(xs []int, out chan<- int) {
	var wg sync.WaitGroup
	total := 0
	for i := 0; i < len(xs); i++ {
		total += xs[i]
	}
	for _, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out <- x + ${n}
		}()
	}
	wg.Wait()
	if total > ${n} {
		out <- total
	}
}
`;
    parts.push(fn);
    size += fn.length;
    n++;
  }
  return { text: parts.join(''), loopvarBugs: n };
}

/** `{` repeated `n` times after a function header, never closed. */
export function nestedBraces(n: number): string {
  return `package p\n\nfunc f() ${'{'.repeat(n)}\n`;
}

/** `func(` repeated `n` times: an unterminated chain of parameter lists. */
export function funcParens(n: number): string {
  return 'func('.repeat(n);
}

/** `n` pseudo-random bytes. */
export function randomBytes(n: number, seed = 1): Buffer {
  const next = prng(seed);
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = Math.floor(next() * 256);
  return buf;
}

/** Go source with invalid UTF-8 in a string literal, a comment and an identifier position. */
export function nonUtf8Go(): Buffer {
  return Buffer.concat([
    Buffer.from('package p\n\n// comment \xff\xfe\n', 'latin1'),
    Buffer.from('var s = "', 'utf8'),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]),
    Buffer.from('"\n\nfunc f(xs []int) {\n\tfor _, v := range xs {\n\t\tgo func() { println(v) }()\n\t}\n}\n', 'utf8'),
    Buffer.from([0x80, 0x81, 0xc0, 0xaf]),
    Buffer.from('\nvar t = 1\n', 'utf8'),
  ]);
}

/**
 * Closures nested `depth` deep, each a goroutine in a range loop using every loop variable
 * above it: the worst case for rules that walk from a closure to its enclosing loops.
 */
export function deepClosures(depth: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let d = 0; d < depth; d++) {
    open.push(`for _, v${d} := range xs {\ngo func() {\nprintln(v${d})\n`);
    close.push('}()\n}\n');
  }
  return `package p\n\nfunc f(xs []int) {\n${open.join('')}${close.reverse().join('')}}\n`;
}

/** One line of `bytes` bytes: a string literal assigned at package level. */
export function longLine(bytes: number): string {
  return `package p\n\nvar s = "${'a'.repeat(bytes)}"\n`;
}

function kb(bytes: number): string {
  return bytes >= 1048576 ? `${bytes / 1048576} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** A named synthetic input, as text the way the analysis worker would read it (UTF-8 decoded). */
export interface SyntheticInput {
  name: string;
  text: string;
  /** `closure/loopvar` findings it must produce when fully analysed before Go 1.22, if known. */
  loopvarBugs?: number;
}

/**
 * The standard set of synthetic inputs, about 13 MB of text in all. `garbageBytes` sizes the
 * random-byte inputs: the benchmark uses 1 MB, the unit test less to stay quick.
 */
export function syntheticInputs(garbageBytes = 1024 * 1024): SyntheticInput[] {
  const generated = generatedGoFile(5 * 1024 * 1024);
  return [
    { name: 'empty file', text: '', loopvarBugs: 0 },
    { name: 'generated 5 MB (funcs, loops, goroutines)', text: generated.text, loopvarBugs: generated.loopvarBugs },
    { name: `random ${kb(garbageBytes)} (as UTF-8)`, text: randomBytes(garbageBytes).toString('utf8') },
    { name: `random ${kb(garbageBytes)} (as Latin-1)`, text: randomBytes(garbageBytes, 2).toString('latin1') },
    { name: 'non-UTF-8 bytes in Go source', text: nonUtf8Go().toString('utf8'), loopvarBugs: 1 },
    { name: '50k nested {', text: nestedBraces(50_000) },
    { name: 'func( x 100k', text: funcParens(100_000) },
    { name: 'closures nested 500 deep', text: deepClosures(500) },
    { name: 'one 2 MB line', text: longLine(2 * 1024 * 1024), loopvarBugs: 0 },
  ];
}
