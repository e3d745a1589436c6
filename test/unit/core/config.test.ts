/** package.json's settings must be exactly the typed config's keys, with the same defaults. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '../../../src/core/analysis/rules';
import { CONFIG_DEFAULTS, normalizeConfig } from '../../../src/core/config';
import { COMMAND_IDS } from '../../../src/shared/commands';
import { repoRoot } from '../../support/paths';

interface Manifest {
  contributes: {
    configuration: { properties: Record<string, { default: unknown; enum?: string[]; propertyNames?: { enum: string[] } }> };
    commands: Array<{ command: string; category: string; title: string }>;
  };
  activationEvents: string[];
  engines: { vscode: string };
}

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;

/** Flattens {analysis: {enable: true}} into {'golab.analysis.enable': true}. */
function flatten(obj: object, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = `${prefix}.${k}`;
    // `rules` is an object-valued setting, not a group.
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && k !== 'rules') Object.assign(out, flatten(v, key));
    else out[key] = v;
  }
  return out;
}

describe('package.json manifest', () => {
  const props = manifest.contributes.configuration.properties;
  const typed = flatten(CONFIG_DEFAULTS, 'golab');

  it('declares every typed setting with the same default, and nothing else', () => {
    assert.deepStrictEqual(Object.keys(props).sort(), Object.keys(typed).sort());
    for (const [key, value] of Object.entries(typed)) assert.deepStrictEqual(props[key].default, value, key);
  });

  it('lists every rule code for golab.analysis.rules', () => {
    const codes = props['golab.analysis.rules'].propertyNames?.enum ?? [];
    assert.deepStrictEqual([...codes].sort(), RULES.map((r) => r.meta.code).sort());
  });

  it('contributes exactly the registered commands, all in the "Go Lab" category', () => {
    const ids = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepStrictEqual(ids, [...COMMAND_IDS].sort());
    for (const c of manifest.contributes.commands) assert.strictEqual(c.category, 'Go Lab', c.command);
  });

  it('activates on Go files and go.mod workspaces, on VS Code 1.100 at most', () => {
    assert.ok(manifest.activationEvents.includes('onLanguage:go'));
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/go.mod'));
    const min = /\^?1\.(\d+)/.exec(manifest.engines.vscode);
    assert.ok(min && Number(min[1]) <= 100, manifest.engines.vscode);
  });

  it('has a documentation page for every rule', () => {
    for (const r of RULES) assert.ok(fs.existsSync(path.join(repoRoot, 'media', 'rules', `${r.meta.code}.md`)), r.meta.code);
  });

  it('normalizes mistyped settings to defaults', () => {
    const c = normalizeConfig({ analysis: { enable: 'yes', maxFileSizeMB: -1, rules: { 'closure/loopvar': 'loud', 'closure/shared-write': 'error' } } });
    assert.strictEqual(c.analysis.enable, true);
    assert.strictEqual(c.analysis.maxFileSizeMB, CONFIG_DEFAULTS.analysis.maxFileSizeMB);
    assert.deepStrictEqual(c.analysis.rules, { 'closure/shared-write': 'error' });
  });
});
