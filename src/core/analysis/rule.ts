/**
 * What a rule is: metadata (code, summary, default severity) plus a detector that returns
 * findings with their quick fixes. The documentation page lives at `media/rules/<code>.md`.
 */
import type { Node, Tree } from './parser';
import type { VersionSource } from './goVersion';
import type { Finding, RuleMeta } from './types';

/** A finding before severity settings and suppressions are applied. */
export type RawFinding = Omit<Finding, 'severity'>;

/**
 * Everything a detector may look at for one unit of analysis (a top-level declaration);
 * shared lookups are computed once.
 */
export class RuleContext {
  private funcLiterals?: Node[];

  constructor(
    readonly tree: Tree,
    readonly text: string,
    readonly version: VersionSource,
    /** The node whose closures the rules examine; the whole file when absent. */
    readonly scope: Node = tree.rootNode,
  ) {}

  /**
   * Every func literal in the scope. Found from the text (`func` followed by `(`) and confirmed
   * in the tree: scanning a string is far cheaper than visiting every node of a large file
   * (a 3 MB generated file has 670k nodes and almost no closures).
   */
  closures(): Node[] {
    if (this.funcLiterals) return this.funcLiterals;
    const out: Node[] = [];
    const { text, scope } = this;
    const end = scope.endIndex;
    for (let i = text.indexOf('func', scope.startIndex); i !== -1 && i < end; i = text.indexOf('func', i + 4)) {
      let j = i + 4;
      while (j < end && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] !== '(') continue;
      const keyword = scope.descendantForIndex(i, i + 4);
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
