/**
 * Where to put uprobes in a Go binary: each matching function's entry (after the stack-growth
 * check) and every RET instruction, found from `go tool objdump`. Go code must never get
 * uretprobes: they rewrite the return address on a goroutine stack that the runtime may move.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';

/** One instruction of an objdump listing. */
export interface Instruction {
  /** Source line the instruction belongs to (0 when the listing does not say). */
  line?: number;
  address: number;
  bytes: string;
  text: string;
}

/** A function found in the binary, with the virtual addresses to probe. */
export interface ProbeTarget {
  /** The Go symbol name, e.g. `main.work` or `sync.(*Mutex).lockSlow`. */
  name: string;
  /** Symbol address (first instruction). */
  address: number;
  /** Where the entry probe goes: after the stack-split check, so a `morestack` re-entry is not counted twice. */
  entry: number;
  /** Addresses of every RET instruction. */
  returns: number[];
  /** Source file and 1-based line of the declaration, from the binary's line table (for annotations). */
  file?: string;
  line?: number;
}

/** A requested pattern that matched no function. */
export interface ProbeMiss {
  pattern: string;
  message: string;
}

/** Thrown when the binary cannot be read or disassembled. */
export class SymbolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SymbolError';
  }
}

const HEADER = /^TEXT (\S+)\(SB\)(?: (.+))?$/;
const LINE = /^\s+\S+:(\d+)\s+0x([0-9a-f]+)\s+([0-9a-f]+)\s+(.*?)\s*$/;

/** Parses `go tool objdump` output into functions and their instructions; `files` gets each function's source file. */
export function parseObjdump(text: string, files?: Map<string, string>): Map<string, Instruction[]> {
  const out = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      current = [];
      out.set(h[1], current);
      if (h[2]) files?.set(h[1], h[2].trim());
      continue;
    }
    const m = LINE.exec(line);
    if (m && current) current.push({ line: Number(m[1]), address: parseInt(m[2], 16), bytes: m[3], text: m[4] });
  }
  return out;
}

/**
 * The probe points of one function. Go's prologue `CMPQ SP, 0x10(R14); JBE morestack` (or
 * with R12 for big frames) jumps back to the symbol after growing the stack; probing after it
 * counts each call once.
 */
export function probeTargetOf(name: string, code: readonly Instruction[], file?: string): ProbeTarget {
  let entry = code[0].address;
  for (let i = 0; i < Math.min(code.length - 1, 4); i++) {
    if (/^CMPQ (SP|R12), 0x10\(R14\)$/.test(code[i].text) && /^JBE /.test(code[i + 1].text)) {
      entry = code[i + 2]?.address ?? entry;
      break;
    }
  }
  const returns = code.filter((c) => /^RET\b/.test(c.text)).map((c) => c.address);
  // The prologue is attributed to the line of the `func` keyword.
  const line = code[0].line;
  return { name, address: code[0].address, entry, returns, ...(file && line ? { file, line } : {}) };
}

/** Turns virtual addresses into file offsets, which is what kernel uprobes take. */
export function fileOffsetOf(elf: Buffer, vaddr: number): number {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) throw new SymbolError('not a 64-bit ELF binary');
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (elf.readUInt32LE(p) !== 1) continue; // PT_LOAD
    const offset = Number(elf.readBigUInt64LE(p + 8));
    const start = Number(elf.readBigUInt64LE(p + 16));
    const size = Number(elf.readBigUInt64LE(p + 32));
    if (vaddr >= start && vaddr < start + size) return vaddr - start + offset;
  }
  throw new SymbolError(`address 0x${vaddr.toString(16)} is in no loadable segment`);
}

/** Matches functions against each pattern; patterns are anchored, like `go test -run`'s are not, so `main.work` does not also pick `main.worker`. */
export function selectTargets(functions: Map<string, Instruction[]>, patterns: readonly string[], files?: Map<string, string>): { targets: ProbeTarget[]; misses: ProbeMiss[] } {
  const targets: ProbeTarget[] = [];
  const misses: ProbeMiss[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const re = new RegExp(`^(?:${pattern})$`);
    const hits = [...functions.entries()].filter(([name, code]) => re.test(name) && code.length > 0);
    if (hits.length === 0) misses.push({ pattern, message: `${pattern}: not found (inlined? build with -gcflags=all=-l)` });
    for (const [name, code] of hits) {
      if (seen.has(name)) continue;
      seen.add(name);
      targets.push(probeTargetOf(name, code, files?.get(name)));
    }
  }
  return { targets, misses };
}

/**
 * The line of the `func` keyword of a function whose first instruction is at `line` of `file`:
 * with a stack check the prologue carries the declaration's line, but a small leaf function
 * starts with its first statement. Scans up from `line` (a few lines: a signature may wrap);
 * without the file on this machine, `line` itself.
 */
export function declarationLine(file: string, line: number, read: (f: string) => string = (f) => fs.readFileSync(f, 'utf8')): number {
  let lines: string[];
  try {
    lines = read(file).split('\n');
  } catch {
    return line;
  }
  for (let l = Math.min(line, lines.length); l >= Math.max(1, line - 50); l--) {
    if (/^func\b/.test(lines[l - 1])) return l;
  }
  return line;
}

/** Runs `go tool objdump -s` on the binary and finds the probe points of the functions matching `patterns`. */
export async function findTargets(binary: string, patterns: readonly string[], goBinary = 'go'): Promise<{ targets: ProbeTarget[]; misses: ProbeMiss[] }> {
  if (!fs.existsSync(binary)) throw new SymbolError(`${binary}: no such file`);
  const regex = patterns.map((p) => `^(?:${p})$`).join('|');
  const text = await new Promise<string>((resolve, reject) => {
    execFile(goBinary, ['tool', 'objdump', '-s', regex, binary], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new SymbolError(`go tool objdump failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
  const files = new Map<string, string>();
  const found = selectTargets(parseObjdump(text, files), patterns, files);
  for (const t of found.targets) if (t.file && t.line) t.line = declarationLine(t.file, t.line);
  return found;
}
