import * as assert from 'assert';
import { renderFlameHtml } from '../../../src/core/pprof/html';
import { decodeFlameProfileAsync } from '../../../src/shared/flameCodec';
import { profileFromStacks } from './synthetic';

describe('standalone flame HTML', () => {
  const evil = '</script><script>alert(1)</script><!--';
  const p = profileFromStacks([[['main.main', evil], [10]]]);
  p.title = 'cpu <b>&</b>';
  const html = renderFlameHtml(p, { script: 'const s = "</script>"; /* <!-- */ console.log(s);', css: 'body::after { content: "</style>"; }' });

  it('embeds the profile as JSON that no function name can break out of', async () => {
    const m = /<script id="golab-profile" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
    assert.ok(m, 'embedded profile not found');
    assert.ok(!m[1].includes('<'), 'raw < in the embedded JSON');
    const back = await decodeFlameProfileAsync(JSON.parse(m[1]));
    assert.deepStrictEqual(back, p);
    assert.strictEqual(back.functions[1].name, evil);
  });

  it('inlines the script and CSS without letting them close their elements', () => {
    assert.strictEqual(html.match(/<\/script>/g)?.length, 2, 'only the profile and the bundle close a script');
    assert.strictEqual(html.match(/<\/style>/g)?.length, 1);
    assert.ok(html.includes('const s = "<\\/script>"'));
  });

  it('has a strict CSP whose nonce is on the inline script and style, and escapes the title', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1].replace(/&#39;/g, "'");
    assert.ok(csp);
    assert.match(csp, /^default-src 'none'; /);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce && nonce.length >= 16);
    assert.ok(csp.includes(`style-src 'nonce-${nonce}'`));
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.ok(html.includes(`<style nonce="${nonce}">`));
    assert.ok(html.includes('<title>cpu &#60;b&#62;&#38;&#60;/b&#62;</title>'));
    // A new nonce per page.
    assert.notStrictEqual(/nonce-([^&]+)/.exec(renderFlameHtml(p, { script: '', css: '' }))?.[1], nonce);
  });
});
