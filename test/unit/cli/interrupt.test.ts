/** Ctrl+C during `golab check`: workers are stopped and the process exits 130 without output. */
import { spawn } from 'child_process';
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generatedGoFile } from '../../bench/lib/synthetic';
import { Interrupt } from '../../../src/cli/interrupt';
import { assertCliBuilt, cliPath } from './cliRunner';

describe('golab check: Ctrl+C', () => {
  let dir: string;
  before(function () {
    this.timeout(60_000);
    assertCliBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-sigint-'));
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/slow\n\ngo 1.21\n');
    // About 40 MB of Go: many seconds of analysis on one thread, far longer than the wait below.
    const { text } = generatedGoFile(400 * 1024);
    for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(dir, `f${i}.go`), text);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 130 with nothing on stdout when interrupted mid-analysis', async function () {
    this.timeout(60_000);
    const child = spawn(process.execPath, [cliPath, 'check', '--threads', '1', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // Long enough for node to start and install its handler; far shorter than the analysis.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    const { code, signal } = await exited;
    assert.strictEqual(signal, null, `killed by ${signal}: the SIGINT handler was not installed`);
    assert.strictEqual(code, 130, `stderr:\n${stderr}`);
    assert.match(stderr, /golab: interrupted, stopping/);
    assert.strictEqual(stdout, '');
  });
});

describe('Interrupt: a stop that keeps results', () => {
  it('takes the first signal as the registered stop, once; the next interrupts', async () => {
    const i = new Interrupt();
    let stops = 0;
    let cleaned = 0;
    i.onInterrupt(() => void cleaned++);
    assert.strictEqual(i.stop(), false, 'nothing registered: the signal interrupts');
    const unregister = i.onStop(() => stops++);
    assert.strictEqual(i.stop(), true);
    assert.strictEqual(stops, 1);
    assert.strictEqual(i.isCancellationRequested, false, 'a stop is not a cancellation');
    assert.strictEqual(i.stop(), false, 'a second signal interrupts');
    unregister();
    await i.trigger();
    assert.strictEqual(cleaned, 1);
    i.onStop(() => stops++);
    assert.strictEqual(i.stop(), false, 'after an interrupt, no stop');
    assert.strictEqual(stops, 1);
  });

  it('forgets a stop whose work is over', () => {
    const i = new Interrupt();
    let stops = 0;
    const unregister = i.onStop(() => stops++);
    unregister();
    assert.strictEqual(i.stop(), false);
    assert.strictEqual(stops, 0);
  });
});
