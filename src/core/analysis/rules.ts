/** Every rule the analyzer knows, in the order their findings are reported. */
import { loopvarRule } from './closure/loopvar';
import { sharedWriteRule } from './closure/sharedWrite';
import { CONTEXT_RULES } from './context';
import { MUTEX_RULES } from './mutex';
import type { Rule } from './rule';

export const RULES: readonly Rule[] = [loopvarRule, sharedWriteRule, ...CONTEXT_RULES, ...MUTEX_RULES];

export function findRule(code: string): Rule | undefined {
  return RULES.find((r) => r.meta.code === code);
}
