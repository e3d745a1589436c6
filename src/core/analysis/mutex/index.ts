/**
 * The mutex/ rule family: copied locks, Lock/Unlock pairing along every path, locks held
 * across blocking operations, and sync.WaitGroup misuse. Codes and doc pages:
 * `media/rules/mutex/<name>.md`.
 */
import type { Rule } from '../rule';
import { copyRule } from './copy';
import {
  blockingUnderLockRule,
  doubleLockRule,
  lockInLoopRule,
  unlockMismatchRule,
  unlockMissingRule,
  unlockUnlockedRule,
} from './flowRules';
import { deferLockRule, emptyCriticalSectionRule } from './syntaxRules';
import { waitGroupRule } from './waitgroup';

/** Every mutex/ rule, in the order their findings are reported. */
export const MUTEX_RULES: readonly Rule[] = [
  copyRule,
  unlockMissingRule,
  doubleLockRule,
  unlockMismatchRule,
  deferLockRule,
  unlockUnlockedRule,
  lockInLoopRule,
  emptyCriticalSectionRule,
  blockingUnderLockRule,
  waitGroupRule,
];
