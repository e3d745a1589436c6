import * as assert from 'assert';
import { isFlameViewState } from '../../../src/shared/flame';
import { initialState, restoreState } from '../../../src/webview/flame/state';
import { smallProfile } from './fixtures';

describe('flame view state', () => {
  const p = smallProfile();

  it('starts on the flame graph of the default sample type, unzoomed', () => {
    const s = initialState(p);
    assert.deepStrictEqual(s, { sampleType: 0, zoom: 0, search: '', view: 'flame', sort: { column: 'flat', descending: true } });
    assert.ok(isFlameViewState(s));
  });

  it('restores a valid saved state as it was', () => {
    const saved = { sampleType: 0, zoom: 3, search: 'main', view: 'sandwich', sandwich: 1, sort: { column: 'cum', descending: false } };
    assert.deepStrictEqual(restoreState(saved, p), saved);
  });

  it('repairs what does not fit this profile', () => {
    const s = restoreState({ sampleType: 4, zoom: 999, search: 'x', view: 'sandwich', sandwich: 99, sort: { column: 'bogus', descending: 1 } }, p);
    assert.deepStrictEqual(s, { sampleType: 0, zoom: 0, search: 'x', view: 'flame', sandwich: undefined, sort: { column: 'flat', descending: true } });
  });

  it('ignores anything that is not a state', () => {
    for (const junk of [undefined, null, 42, 'flame', { view: 'pie' }, { sampleType: 0, zoom: 0, search: 1, view: 'flame' }]) {
      assert.deepStrictEqual(restoreState(junk, p), initialState(p));
    }
  });
});
