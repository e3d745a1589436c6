/**
 * Evidence that a blocking operation under a lock deadlocks: the other side of the channel
 * (or the goroutines a WaitGroup waits for) needs the same lock. Correct code blocks under
 * locks all the time (semaphores, buffered channels, goroutines that never touch the lock),
 * so mutex/blocking-under-lock reports only what has such a counterpart: a goroutine started
 * by the same function, or another method of the same receiver type in the file, that takes
 * the lock and does the opposite operation on the same channel (or, from a goroutine it
 * starts, calls Done). A channel the file makes with a buffer has no certain counterpart.
 */
import type { FileFacts, RuleContext } from '../rule';
import type { Node } from '../parser';
import type { Side } from './unit';
import { receiverName } from './unit';

/** What a blocking operation waits for. */
export type Blocking = 'send' | 'receive' | 'wait';

/** The goroutine or method that needs the lock to unblock the operation. */
export interface Counterpart {
  node: Node;
  message: string;
}

interface MethodText {
  node: Node;
  name: Node | null;
  recv: string;
  /** The method's text without blanks, so `c.ch <- v` and `c.ch<-v` read alike. */
  flat: string;
}

const methodsByType = new WeakMap<FileFacts, Map<string, MethodText[]>>();

const flat = (s: string) => s.replace(/\s+/g, '');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function receiverType(fn: Node): string | undefined {
  let t = fn.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('type') ?? null;
  if (t?.type === 'pointer_type') t = t.namedChildren[0];
  if (t?.type === 'generic_type') t = t.childForFieldName('type');
  return t?.type === 'type_identifier' ? t.text : undefined;
}

function methods(ctx: RuleContext): Map<string, MethodText[]> {
  let table = methodsByType.get(ctx.file);
  if (table) return table;
  table = new Map();
  methodsByType.set(ctx.file, table);
  for (const m of ctx.tree.rootNode.namedChildren) {
    if (m?.type !== 'method_declaration') continue;
    const type = receiverType(m);
    const recv = receiverName(m);
    if (!type || !recv) continue;
    const list = table.get(type) ?? [];
    list.push({ node: m, name: m.childForFieldName('name'), recv, flat: flat(m.text) });
    table.set(type, list);
  }
  return table;
}

/** Whether flattened code `code` takes lock `key` in a way that waits for a holder of side `held`. */
function locks(code: string, key: string, held: Side): boolean {
  return code.includes(`${key}.Lock()`) || (held === 'w' && code.includes(`${key}.RLock()`));
}

/** Whether flattened code does the operation that completes `what` on `target`. */
function completes(code: string, what: Blocking, target: string): boolean {
  const t = escape(target);
  switch (what) {
    case 'send':
      return new RegExp(`(<-|range)${t}(?![\\w.\\[])`).test(code);
    case 'receive':
      return new RegExp(`(^|[^\\w.])${t}<-`).test(code);
    case 'wait':
      return code.includes(`${target}.Done()`);
  }
}

const OPPOSITE: Record<Blocking, string> = { send: 'receives from', receive: 'sends on', wait: 'calls Done on' };

/**
 * Whether the file makes channel `target` (by its last name: `ch`, or the field `result` of
 * `w.result`) with a buffer. The other side may then never block on it: no certainty.
 */
export function isBuffered(text: string, target: string): boolean {
  const m = /([A-Za-z_]\w*)$/.exec(target);
  if (!m) return false;
  const made = new RegExp(`(^|[^\\w.])${m[1]}\\s*(:=|=|:)\\s*make\\(\\s*chan\\b`, 'g');
  for (let hit = made.exec(text); hit; hit = made.exec(text)) {
    // The make's arguments up to its closing parenthesis; a top-level comma means a size.
    let depth = 0;
    let size: string | undefined;
    for (let i = text.indexOf('make(', hit.index) + 4; i < text.length && i < hit.index + 500; i++) {
      const c = text[i];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (--depth === 0) break;
      } else if (c === ',' && depth === 1 && size === undefined) size = '';
      else if (size !== undefined) size += c;
    }
    if (size !== undefined && size.trim() !== '0') return true;
  }
  return false;
}

/** A counterpart for a blocking `what` on `target` inside `fn` while `key` is held, if one is found. */
export function findCounterpart(ctx: RuleContext, fn: Node, key: string, held: Side, what: Blocking, target: string): Counterpart | undefined {
  if (what !== 'wait' && isBuffered(ctx.text, target)) return undefined;
  const describe = `takes '${key}' and ${OPPOSITE[what]} '${target}'`;
  for (const go of fn.descendantsOfType('go_statement')) {
    const code = go ? flat(go.text) : '';
    if (go && locks(code, key, held) && completes(code, what, target)) return { node: go, message: `this goroutine ${describe}` };
  }
  const recv = receiverName(fn);
  const type = receiverType(fn);
  const rooted = (s: string) => !!recv && (s === recv || s.startsWith(`${recv}.`));
  if (!recv || !type || !rooted(key) || !rooted(target)) return undefined;
  for (const m of methods(ctx).get(type) ?? []) {
    if (m.node.id === fn.id) continue;
    const k = m.recv + key.slice(recv.length);
    const t = m.recv + target.slice(recv.length);
    if (what === 'wait') {
      // Done and the Lock must both be in a goroutine that method starts.
      if (!m.flat.includes('gofunc(')) continue;
      const go = m.node.descendantsOfType('go_statement').find((g) => g !== null && locks(flat(g.text), k, held) && completes(flat(g.text), what, t));
      if (go) return { node: go, message: `a goroutine started by '${m.name?.text ?? '?'}' ${describe.replace(key, k).replace(target, t)}` };
      continue;
    }
    if (locks(m.flat, k, held) && completes(m.flat, what, t)) {
      return { node: m.name ?? m.node, message: `method '${m.name?.text ?? '?'}' also ${describe.replace(key, k).replace(target, t)}` };
    }
  }
  return undefined;
}

/** The blanks-free text of an expression, as {@link findCounterpart} expects it. */
export function flatText(n: Node): string {
  return flat(n.text);
}
