/**
 * The context/ rule family: contexts that are dropped (Background/TODO with a context at
 * hand, calls without their context variant), leaked (a cancel function not called), or
 * ignored (goroutines and sleeping loops that never look at cancellation).
 */
import type { Rule } from '../rule';
import { backgroundRule } from './background';
import { ctxLessCallRule } from './ctxlessCall';
import { goroutineNoCtxRule } from './goroutine';
import { lostCancelRule } from './lostCancel';
import { sleepInLoopRule } from './sleepInLoop';

/** Every rule of the family, in the order their findings are reported. */
export const CONTEXT_RULES: readonly Rule[] = [backgroundRule, ctxLessCallRule, lostCancelRule, goroutineNoCtxRule, sleepInLoopRule];
