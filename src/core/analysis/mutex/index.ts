/** The mutex/ rule family. */
import type { Rule } from '../rule';

export const MUTEX_RULES: readonly Rule[] = [];
