/**
 * Probe placement from real `go tool objdump` output (go1.26, amd64) of the workload in
 * test/fixtures/probes/workload, built with -gcflags=all=-l.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkLockdown, checkProbeSupport, ProbeError } from '../../../src/core/probes/session';
import { declarationLine, fileOffsetOf, parseObjdump, probeTargetOf, selectTargets } from '../../../src/core/probes/symbols';
import { fixtures } from '../../support/paths';

const listing = fs.readFileSync(path.join(fixtures, 'probes', 'objdump-workload.txt'), 'utf8');
const hex = (n: number) => `0x${n.toString(16)}`;

describe('probes: objdump parsing and probe points', () => {
  const functions = parseObjdump(listing);

  it('reads every TEXT block with its instructions', () => {
    assert.deepStrictEqual([...functions.keys()], ['main.work', 'main.sleepy', 'main.deep', 'main.spin', 'main.main']);
    const work = functions.get('main.work') ?? [];
    assert.strictEqual(work.length, 7);
    assert.deepStrictEqual(work[0], { line: 17, address: 0x4b9820, bytes: '0fbae000', text: 'BTL $0x0, AX' });
  });

  it('takes the declaration file and line from the listing (annotations for functions with no editor position)', () => {
    const files = new Map<string, string>();
    const fns = parseObjdump(listing, files);
    const { targets } = selectTargets(fns, ['main.work'], files);
    assert.strictEqual(targets[0].file, '/work/main/test/fixtures/probes/workload/main.go');
    // The line of its first instruction; findTargets then looks up the `func` line in the file (below).
    assert.strictEqual(targets[0].line, 17);
    // A small leaf function starts with its first statement: the declaration is found above it.
    const src = 'package main\n\n// work doubles.\nfunc work(i int,\n\tj int) int {\n\tif i%2 == 0 {\n\t\treturn i\n\t}\n\treturn j\n}\n';
    assert.strictEqual(declarationLine('/x/main.go', 6, () => src), 4);
    assert.strictEqual(declarationLine('/x/main.go', 4, () => src), 4);
    assert.strictEqual(declarationLine('/nowhere/main.go', 6), 6, 'a file not on this machine keeps the line of the listing');
    // Without the map (or a header path), no location is made up.
    assert.strictEqual(selectTargets(fns, ['main.work']).targets[0].file, undefined);
  });

  it('puts a probe on each RET of a leaf function with two return paths, entry at the symbol', () => {
    const t = probeTargetOf('main.work', functions.get('main.work') ?? []);
    assert.deepStrictEqual({ entry: hex(t.entry), address: hex(t.address), returns: t.returns.map(hex) }, { entry: '0x4b9820', address: '0x4b9820', returns: ['0x4b982a', '0x4b9835'] });
  });

  it('puts the entry after the stack-split check, so a morestack re-entry is not a second call', () => {
    const sleepy = probeTargetOf('main.sleepy', functions.get('main.sleepy') ?? []);
    assert.deepStrictEqual({ entry: hex(sleepy.entry), returns: sleepy.returns.map(hex) }, { entry: '0x4b9846', returns: ['0x4b9858'] });
    // Big frames compare R12 (SP minus the frame) instead of SP.
    const deep = probeTargetOf('main.deep', functions.get('main.deep') ?? []);
    assert.deepStrictEqual({ entry: hex(deep.entry), returns: deep.returns.map(hex) }, { entry: '0x4b9892', returns: ['0x4b9900', '0x4b9929'] });
    const main = probeTargetOf('main.main', functions.get('main.main') ?? []);
    assert.deepStrictEqual({ entry: hex(main.entry), returns: main.returns.map(hex) }, { entry: '0x4b998f', returns: ['0x4b9ecd'] });
  });

  it('keeps the symbol as entry when a function has no stack check (a leaf with a small frame)', () => {
    const spin = probeTargetOf('main.spin', functions.get('main.spin') ?? []);
    assert.strictEqual(spin.entry, spin.address);
    assert.strictEqual(spin.returns.length, 1);
  });

  it('matches whole names, once each, and says how to fix a function with no symbol', () => {
    const { targets, misses } = selectTargets(functions, ['main\\.(work|sleepy)', 'main.work', 'main\\.inlined']);
    assert.deepStrictEqual(targets.map((t) => t.name), ['main.work', 'main.sleepy']);
    assert.deepStrictEqual(misses, [{ pattern: 'main\\.inlined', message: 'main\\.inlined: not found (inlined? build with -gcflags=all=-l)' }]);
    assert.deepStrictEqual(selectTargets(functions, ['main.wor']).targets, []);
  });

  it('maps a virtual address to its file offset through the PT_LOAD headers', () => {
    // A minimal ELF64 header with two PT_LOAD segments, laid out like a Go binary's.
    const elf = Buffer.alloc(0x40 + 2 * 56);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf[4] = 2;
    elf.writeBigUInt64LE(0x40n, 0x20);
    elf.writeUInt16LE(56, 0x36);
    elf.writeUInt16LE(2, 0x38);
    const load = (i: number, offset: number, vaddr: number, size: number) => {
      const p = 0x40 + i * 56;
      elf.writeUInt32LE(1, p);
      elf.writeBigUInt64LE(BigInt(offset), p + 8);
      elf.writeBigUInt64LE(BigInt(vaddr), p + 16);
      elf.writeBigUInt64LE(BigInt(size), p + 32);
    };
    load(0, 0, 0x400000, 0xb93f1);
    load(1, 0xba000, 0x4ba000, 0xd5168);
    assert.strictEqual(hex(fileOffsetOf(elf, 0x4b9038)), '0xb9038');
    assert.strictEqual(hex(fileOffsetOf(elf, 0x4ba010)), '0xba010');
    assert.throws(() => fileOffsetOf(elf, 0x100), /no loadable segment/);
    assert.throws(() => fileOffsetOf(Buffer.from('#!/bin/sh\n'.padEnd(64)), 0x400000), /not a 64-bit ELF/);
  });
});

describe('probes: support check', () => {
  it('names a locked-down kernel (confidentiality) as the reason, and lets integrity mode pass', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-lockdown-'));
    try {
      const file = path.join(dir, 'lockdown');
      fs.writeFileSync(file, 'none integrity [confidentiality]\n');
      assert.throws(() => checkLockdown(file), (e: unknown) => e instanceof ProbeError && e.reason === 'lockdown' && /locked down \(confidentiality mode\).*boot without lockdown=confidentiality/.test(e.message));
      assert.throws(() => checkProbeSupport(dir, file), (e: unknown) => e instanceof ProbeError && e.reason === 'lockdown');
      fs.writeFileSync(file, 'none [integrity] confidentiality\n');
      assert.doesNotThrow(() => checkLockdown(file));
      // A kernel without the lockdown LSM has no file: nothing to refuse.
      assert.doesNotThrow(() => checkLockdown(path.join(dir, 'absent')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to mount tracefs, or that root is needed, with a tracefs that has no uprobe_events', () => {
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-tracefs-'));
    try {
      const expected = process.getuid?.() === 0 ? /mount -t tracefs nodev/ : /probes need root/;
      assert.throws(() => checkProbeSupport(fake), (e: unknown) => e instanceof ProbeError && expected.test(e.message));
    } finally {
      fs.rmSync(fake, { recursive: true, force: true });
    }
  });
});
