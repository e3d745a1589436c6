/**
 * Removal of lab containers a crashed editor (or a killed CLI) left behind. Runs always remove
 * their container, but a process that dies mid-run cannot; every lab container carries the
 * label `golab`, so they are found and removed on the next activation.
 */
import * as os from 'os';
import type Docker from 'dockerode';
import { asSystemError } from './errors';
import { LAB_LABEL, OWNER_LABEL } from './runner';

/** A container of another machine's process is a leftover only after this long (its liveness cannot be checked from here). */
export const FOREIGN_LEFTOVER_AGE_MS = 24 * 3600_000;

/** Whether process `pid` of this machine is alive (signal 0 checks without signalling). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a labelled container is a leftover: its owner process (label `golab.owner`,
 * `<host>/<pid>`) is gone. Containers of live processes on this machine (another window, a
 * CLI run, this process) are in use; those of another machine (a remote engine shared by
 * several) only after a day; those without an owner label (older versions) always.
 */
export function isLeftover(labels: Readonly<Record<string, string>>, createdSec: number, now = Date.now()): boolean {
  const owner = labels[OWNER_LABEL];
  const m = owner ? /^(.*)\/(\d+)$/.exec(owner) : null;
  if (!m) return true;
  if (m[1] !== os.hostname()) return now - createdSec * 1000 > FOREIGN_LEFTOVER_AGE_MS;
  return !isAlive(Number(m[2]));
}

/**
 * Removes the lab containers (label `golab`) whose owner process is gone; resolves with how
 * many went. Containers of running editors and CLIs are left alone.
 */
export async function removeLeftovers(docker: Docker): Promise<number> {
  const leftovers = (await docker.listContainers({ all: true, filters: { label: [LAB_LABEL] } })).filter((c) => isLeftover(c.Labels ?? {}, c.Created));
  let removed = 0;
  for (const info of leftovers) {
    try {
      await docker.getContainer(info.Id).remove({ force: true });
      removed++;
    } catch (e) {
      // Already gone (a run finishing concurrently) or being removed: nothing left to do.
      const err = asSystemError(e);
      if (err.statusCode !== 404 && err.statusCode !== 409) throw e;
    }
  }
  return removed;
}
