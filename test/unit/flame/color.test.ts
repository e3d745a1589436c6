import * as assert from 'assert';
import { DIFF_STEPS, functionColors, makePalette, packageOf, parseColor, SHADES, type Rgb } from '../../../src/webview/flame/color';

describe('flame colours', () => {
  it('parses the colour forms getComputedStyle and themes produce', () => {
    assert.deepStrictEqual(parseColor('#fff'), [255, 255, 255]);
    assert.deepStrictEqual(parseColor(' #1e1e1e '), [30, 30, 30]);
    assert.deepStrictEqual(parseColor('#f14c4cff'), [241, 76, 76]);
    assert.deepStrictEqual(parseColor('rgb(1, 2, 3)'), [1, 2, 3]);
    assert.deepStrictEqual(parseColor('rgba(1,2,3,0.5)'), [1, 2, 3]);
    assert.strictEqual(parseColor(''), undefined);
    assert.strictEqual(parseColor('red'), undefined);
  });

  it('makes a palette with readable labels, dimmed variants and a diff scale', () => {
    const c = (h: string): Rgb => parseColor(h) as Rgb;
    const pal = makePalette({ background: c('#1e1e1e'), foreground: c('#cccccc'), focus: c('#007fd4'), hover: c('#2a2d2e'), red: c('#f14c4c'), orange: c('#d18616'), yellow: c('#cca700'), blue: c('#3794ff'), purple: c('#b180d7'), highContrast: false });
    assert.strictEqual(pal.fill.length, 3 * SHADES);
    assert.strictEqual(pal.diff.length, 1 + 2 * DIFF_STEPS);
    assert.strictEqual(pal.background, 'rgb(30,30,30)');
    // The most changed shades are the theme's red and blue.
    assert.strictEqual(pal.diff[DIFF_STEPS], 'rgb(241,76,76)');
    assert.strictEqual(pal.diff[2 * DIFF_STEPS], 'rgb(55,148,255)');
    // Yellow frames get dark labels, a dimmed frame is closer to the background.
    assert.strictEqual(pal.text[2 * SHADES], '#000');
    assert.notStrictEqual(pal.dim[0], pal.fill[0]);
  });

  it('colours runtime red, the standard library orange, the user’s code yellow', () => {
    assert.strictEqual(packageOf('example.com/m/pkg.(*T).M'), 'example.com/m/pkg');
    assert.strictEqual(packageOf('runtime.mallocgc'), 'runtime');
    assert.strictEqual(packageOf('net/http.(*conn).serve'), 'net/http');
    const hues = [...functionColors(['runtime.mallocgc', 'net/http.(*conn).serve', 'example.com/m/pkg.F', 'main.main'])].map((k) => Math.floor(k / SHADES));
    assert.deepStrictEqual(hues, [0, 1, 2, 2]);
  });
});
