/**
 * What a rule is: metadata (code, summary, default severity) plus a detector that returns
 * findings with their quick fixes. The documentation page lives at `media/rules/<code>.md`.
 */
import type { Node, Tree } from './parser';
import type { VersionSource } from './goVersion';
import type { Finding, RuleMeta } from './types';

/** A finding before severity settings and suppressions are applied. */
export type RawFinding = Omit<Finding, 'severity'>;

/** Everything a detector may look at for one file; shared lookups are computed once. */
export class RuleContext {
  private funcLiterals?: Node[];

  constructor(
    readonly tree: Tree,
    readonly text: string,
    readonly version: VersionSource,
  ) {}

  /** Every func literal in the file, found once in wasm (much cheaper than a JS-side walk). */
  closures(): Node[] {
    this.funcLiterals ??= this.tree.rootNode
      .descendantsOfType('func_literal')
      .filter((n): n is Node => n !== null);
    return this.funcLiterals;
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
