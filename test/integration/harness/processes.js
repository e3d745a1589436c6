// @ts-check
// Stopping what the harness started, and only that. code-server forks a server process,
// which forks the extension host, file watcher and pty host; killing the first PID alone
// can leave those running (and holding the port) after a failed run. So the tree below a
// PID we started is read from /proc before anything is signalled, and each PID in it is
// signalled by its id. A process forked while the tree is being stopped is orphaned
// (reparented to PID 1) and no longer in the tree, but it keeps the process group of the
// code-server we started detached (its own group), so group members are included too.
'use strict';
const fs = require('fs');

/**
 * pid, parent pid and process group of every process, from /proc.
 * @returns {{ pid: number, ppid: number, pgid: number }[]}
 */
function processTable() {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we were reading
    }
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const [, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid) });
  }
  return out;
}

/**
 * PIDs of the members of process group `pgid` (a group led by a process we started).
 * @param {number} pgid
 */
function groupMembers(pgid) {
  return processTable()
    .filter((p) => p.pgid === pgid)
    .map((p) => p.pid);
}

/**
 * PIDs of every live descendant of `rootPid` (not including it), parents first.
 * @param {number} rootPid
 * @returns {number[]}
 */
function descendants(rootPid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const { pid, ppid } of processTable()) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = /** @type {number} */ (queue.shift());
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0 but is already dead; its parent just has not reaped it.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** @param {number} pid @param {NodeJS.Signals} signal */
function signal(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops `pid` and all of its descendants: SIGTERM first so code-server can clean up its
 * sockets, then SIGKILL whatever is still alive after `graceMs`.
 * @param {number} pid
 * @param {{ graceMs?: number, group?: boolean, exited?: boolean }} [opts]
 *   group: `pid` leads its own process group (spawned detached); its members are stopped too.
 *   exited: `pid` itself has already exited and been reaped, so that number may now belong
 *   to an unrelated process; only its group (whose id cannot be reused while it has
 *   members) is stopped.
 * @returns {Promise<void>}
 */
async function killTree(pid, { graceMs = 3000, group = false, exited = false } = {}) {
  const members = () =>
    new Set([...(exited ? [] : [pid, ...descendants(pid)]), ...(group ? groupMembers(pid) : [])]);
  const first = members();
  for (const p of first) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ([...first].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // Look again: a process forked during shutdown was not in the first set.
  for (const p of new Set([...first, ...members()])) if (alive(p)) signal(p, 'SIGKILL');
}

module.exports = { descendants, groupMembers, killTree, alive };
