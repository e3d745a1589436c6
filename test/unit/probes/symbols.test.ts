/**
 * Probe placement from real `go tool objdump` output (go1.26, amd64) of the workload in
 * test/fixtures/probes/workload, built with -gcflags=all=-l.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkProbeSupport, ProbeError } from '../../../src/core/probes/session';
import { fileOffsetOf, parseObjdump, probeTargetOf, selectTargets } from '../../../src/core/probes/symbols';
import { fixtures } from '../../support/paths';

const listing = fs.readFileSync(path.join(fixtures, 'probes', 'objdump-workload.txt'), 'utf8');
const hex = (n: number) => `0x${n.toString(16)}`;

describe('probes: objdump parsing and probe points', () => {
  const functions = parseObjdump(listing);

  it('reads every TEXT block with its instructions', () => {
    assert.deepStrictEqual([...functions.keys()], ['main.work', 'main.sleepy', 'main.deep', 'main.spin', 'main.main']);
    const work = functions.get('main.work') ?? [];
    assert.strictEqual(work.length, 7);
    assert.deepStrictEqual(work[0], { address: 0x4b9820, bytes: '0fbae000', text: 'BTL $0x0, AX' });
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
