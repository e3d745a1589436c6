/**
 * What a rule is: metadata (code, summary, default severity) plus a detector that returns
 * findings with their quick fixes. The documentation page lives at `media/rules/<code>.md`.
 */
import type { Node, Tree } from './parser';
import { FunctionTypes, type PackageIndex } from './types/index';
import type { VersionSource } from './goVersion';
import type { Finding, RuleMeta } from './types';

/** A finding before severity settings and suppressions are applied. */
export type RawFinding = Omit<Finding, 'severity'>;

/** Thrown when analysis of a file runs past its time budget (pathological input). */
export class AnalysisTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`analysis took longer than ${timeoutMs} ms and was abandoned`);
    this.name = 'AnalysisTimeoutError';
  }
}

/** Per-file facts shared by the contexts of its declarations, each computed once. */
export class FileFacts {
  private funcOffsets?: number[];

  constructor(
    readonly text: string,
    /** performance.now() value after which analysis gives up. */
    readonly deadline = Infinity,
    readonly timeoutMs = 0,
    /**
     * Whether rules should search the text of the unit they analyse rather than the whole
     * file once: true when only a few edited declarations are re-analysed (a memo serves the
     * rest), where a whole-file scan per keystroke would dominate; false for a cold analysis
     * of every declaration, where one scan of the file is cheapest.
     */
    readonly perUnitScans = false,
  ) {}

  /** The [start, end) range rule text searches cover for `scope` (see {@link perUnitScans}). */
  scanRange(scope: Node): [number, number] {
    return this.perUnitScans ? [scope.startIndex, scope.endIndex] : [0, this.text.length];
  }

  /** Throws {@link AnalysisTimeoutError} once the budget is spent; rules call it per closure. */
  checkDeadline(): void {
    if (performance.now() > this.deadline) throw new AnalysisTimeoutError(this.timeoutMs);
  }

  /**
   * Offsets of every `func` keyword candidate followed by `(` in `scope`: scanning a string is
   * far cheaper than visiting every node (a 3 MB generated file has 670k nodes and almost no
   * closures). A cold analysis scans the file once for all declarations; a re-analysis of
   * edited declarations scans only theirs (see {@link perUnitScans}).
   */
  funcCandidates(scope: Node): number[] {
    if (this.perUnitScans) return scanFunc(this.text, scope.startIndex, scope.endIndex);
    return (this.funcOffsets ??= scanFunc(this.text, 0, this.text.length));
  }
}

function scanFunc(text: string, start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('func', start); i !== -1 && i < end; i = text.indexOf('func', i + 4)) {
    let j = i + 4;
    while (text[j] === ' ' || text[j] === '\t') j++;
    if (text[j] === '(') out.push(i);
  }
  return out;
}

/** The first index in sorted `xs` whose value is >= `v`. */
export function lowerBound(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Everything a detector may look at for one unit of analysis (a top-level declaration);
 * shared lookups are computed once.
 */
export class RuleContext {
  private funcLiterals?: Node[];
  private readonly typeCache = new Map<number, FunctionTypes>();

  constructor(
    readonly tree: Tree,
    readonly file: FileFacts,
    readonly version: VersionSource,
    /** The file's path, which keys its import table in {@link pkg}. */
    readonly path: string,
    /** What the package (all files of the directory) declares. */
    readonly pkg: PackageIndex,
    /** The node whose closures the rules examine; the whole file when absent. */
    readonly scope: Node = tree.rootNode,
  ) {}

  /** Declared types inside `fn` (a function declaration, method or func literal), built once. */
  types(fn: Node): FunctionTypes {
    let t = this.typeCache.get(fn.id);
    if (!t) this.typeCache.set(fn.id, (t = new FunctionTypes(this.pkg, this.path, fn)));
    return t;
  }

  get text(): string {
    return this.file.text;
  }

  /** Every func literal in the scope: text candidates confirmed in the tree. */
  closures(): Node[] {
    if (this.funcLiterals) return this.funcLiterals;
    const out: Node[] = [];
    const { scope } = this;
    const offsets = this.file.funcCandidates(scope);
    for (let k = lowerBound(offsets, scope.startIndex); k < offsets.length && offsets[k] < scope.endIndex; k++) {
      const keyword = scope.descendantForIndex(offsets[k], offsets[k] + 4);
      const literal = keyword?.type === 'func' ? keyword.parent : null;
      if (literal?.type === 'func_literal') out.push(literal);
    }
    this.funcLiterals = out;
    return out;
  }
}

export interface Rule {
  readonly meta: RuleMeta;
  check(ctx: RuleContext): RawFinding[];
}

/** The docs page of a rule, relative to the extension root. */
export function ruleDocPath(code: string): string {
  return `media/rules/${code}.md`;
}
