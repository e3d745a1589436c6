/**
 * Which Go language version applies to a file: the nearest enclosing go.mod's `go` line,
 * overridden by the file's own `//go:build` constraint. The loop-variable rule depends on it:
 * from Go 1.22 on, each loop iteration has its own variables.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A Go language version; the patch level never changes language semantics. */
export interface GoVersion {
  major: number;
  minor: number;
}

/** Where the version came from, said in messages so users know what to change. */
export interface VersionSource {
  version: GoVersion;
  /** Where the version came from, e.g. `the go line of go.mod`, for messages. */
  origin: string;
  /** The go.mod file that applies, if any. */
  goModPath?: string;
}

/** Go's default language version for a go.mod without a `go` line (cmd/go treats it as 1.16). */
export const GO_MOD_DEFAULT: GoVersion = { major: 1, minor: 16 };

export function formatVersion(v: GoVersion): string {
  return `${v.major}.${v.minor}`;
}

export function atLeast(v: GoVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** Reads the `go` directive of a go.mod text: `go 1.21`, `go 1.21.5`, `go 1.22.0`, `go 1.21rc1`. */
export function parseGoModVersion(text: string): GoVersion | undefined {
  const m = /^[ \t]*go[ \t]+(\d+)\.(\d+)(?:\.\d+|(?:rc|beta)\d+)?[ \t]*(?:\/\/.*)?$/m.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * The minimum Go version a `//go:build` expression implies, following go/build/constraint's
 * GoVersion: `&&` takes the larger, `||` the smaller, `!` gives none.
 */
export function buildConstraintVersion(fileText: string): GoVersion | undefined {
  // Build constraints must precede the package clause; only look at the header.
  const header = fileText.slice(0, 4096);
  const line = /^\/\/go:build[ \t]+(.+)$/m.exec(header);
  if (!line) return undefined;
  const pkg = /^package\s/m.exec(header);
  if (pkg && pkg.index < line.index) return undefined;
  try {
    return new ConstraintParser(line[1]).parse();
  } catch {
    return undefined;
  }
}

type Expr = GoVersion | undefined;

function minV(a: Expr, b: Expr): Expr {
  if (!a || !b) return undefined;
  return atLeast(a, b.major, b.minor) ? b : a;
}
function maxV(a: Expr, b: Expr): Expr {
  if (!a) return b;
  if (!b) return a;
  return atLeast(a, b.major, b.minor) ? a : b;
}

/** A small recursive-descent parser for build-constraint expressions. */
class ConstraintParser {
  private readonly tokens: string[];
  private pos = 0;
  constructor(expr: string) {
    this.tokens = expr.replace(/\/\/.*$/, '').match(/&&|\|\||!|\(|\)|[\w.]+/g) ?? [];
  }
  parse(): Expr {
    const v = this.or();
    if (this.pos !== this.tokens.length) throw new Error('trailing tokens');
    return v;
  }
  private or(): Expr {
    let v = this.and();
    while (this.tokens[this.pos] === '||') {
      this.pos++;
      v = minV(v, this.and());
    }
    return v;
  }
  private and(): Expr {
    let v = this.not();
    while (this.tokens[this.pos] === '&&') {
      this.pos++;
      v = maxV(v, this.not());
    }
    return v;
  }
  private not(): Expr {
    const t = this.tokens[this.pos++];
    if (t === '!') {
      this.not();
      return undefined;
    }
    if (t === '(') {
      const v = this.or();
      if (this.tokens[this.pos++] !== ')') throw new Error('missing )');
      return v;
    }
    if (t === undefined) throw new Error('unexpected end');
    const m = /^go(\d+)\.(\d+)$/.exec(t);
    return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
  }
}

/** Reads files through an injectable function so tests and the server's open buffers can serve go.mod. */
export type ReadFile = (file: string) => string | undefined;

const readFromDisk: ReadFile = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Finds and caches the go.mod that applies to each directory. Call {@link invalidate} when a
 * go.mod changes (the server does so from file-watch events).
 */
export class GoVersionResolver {
  private readonly modForDir = new Map<string, string | null>();
  private readonly versionForMod = new Map<string, GoVersion>();

  constructor(private readonly readFile: ReadFile = readFromDisk) {}

  /** The go.mod governing `dir`, or undefined outside any module. */
  goModFor(dir: string): string | undefined {
    const visited: string[] = [];
    let current = path.resolve(dir);
    let found: string | null = null;
    for (;;) {
      const cached = this.modForDir.get(current);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      visited.push(current);
      const candidate = path.join(current, 'go.mod');
      if (this.readFile(candidate) !== undefined) {
        found = candidate;
        break;
      }
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
    }
    for (const d of visited) this.modForDir.set(d, found);
    return found ?? undefined;
  }

  /** The language version for a file with the given path and text. */
  resolve(filePath: string, fileText: string): VersionSource {
    const fromBuild = buildConstraintVersion(fileText);
    const goModPath = this.goModFor(path.dirname(filePath));
    if (fromBuild) {
      return { version: fromBuild, origin: 'its //go:build line', goModPath };
    }
    if (!goModPath) return { version: GO_MOD_DEFAULT, origin: 'no go.mod: GOPATH mode' };
    let version = this.versionForMod.get(goModPath);
    if (!version) {
      version = parseGoModVersion(this.readFile(goModPath) ?? '') ?? GO_MOD_DEFAULT;
      this.versionForMod.set(goModPath, version);
    }
    const parsed = version !== GO_MOD_DEFAULT;
    return { version, origin: parsed ? 'the go line of go.mod' : 'go.mod without a go line', goModPath };
  }

  /** Forgets what is known about `goModPath` (changed, created or deleted). */
  invalidate(goModPath?: string): void {
    if (goModPath) this.versionForMod.delete(goModPath);
    // Directory lookups may now find a different go.mod; they are cheap to redo.
    this.modForDir.clear();
    if (!goModPath) this.versionForMod.clear();
  }
}
