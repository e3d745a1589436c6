/** Which lab containers are leftovers: only those whose owner process is gone. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as os from 'os';
import { FOREIGN_LEFTOVER_AGE_MS, isLeftover } from '../../../src/core/lab/cleanup';
import { OWNER_LABEL, ownerLabel } from '../../../src/core/lab/runner';

describe('lab leftovers', () => {
  const now = Date.now();
  const created = Math.floor(now / 1000) - 60;

  it('keeps containers of live processes on this machine, removes those of dead ones', () => {
    assert.strictEqual(isLeftover({ [OWNER_LABEL]: ownerLabel() }, created, now), false);
    const dead = spawnSync('true').pid;
    assert.strictEqual(isLeftover({ [OWNER_LABEL]: `${os.hostname()}/${dead}` }, created, now), true);
  });

  it('removes unowned containers, and those of other machines only after a day', () => {
    assert.strictEqual(isLeftover({}, created, now), true);
    assert.strictEqual(isLeftover({ [OWNER_LABEL]: 'elsewhere/1' }, created, now), false);
    assert.strictEqual(isLeftover({ [OWNER_LABEL]: 'elsewhere/1' }, Math.floor((now - FOREIGN_LEFTOVER_AGE_MS) / 1000) - 10, now), true);
  });
});
