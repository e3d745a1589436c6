/**
 * Worker-thread entry (bundled as dist/analysisWorker.js): one parser per thread, so
 * workspace analysis uses every core without sharing wasm state between threads.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parentPort } from 'worker_threads';
import { analyzePackage } from './file';
import { GoVersionResolver } from './goVersion';
import { GoParser } from './parser';
import type { WorkerRequest, WorkerResponse } from './protocol';
import { extractTypeFacts, type FileTypeFacts } from './types/index';

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');

const resolver = new GoVersionResolver();
const parserReady = GoParser.create();
/** Type facts of sibling files, by path, valid while the file's mtime is unchanged. */
const siblingFacts = new Map<string, { mtimeMs: number; facts: FileTypeFacts }>();

function factsOf(parser: GoParser, file: string, timeoutMs: number): FileTypeFacts | undefined {
  try {
    const { mtimeMs } = fs.statSync(file);
    const cached = siblingFacts.get(file);
    if (cached?.mtimeMs === mtimeMs) return cached.facts;
    const text = fs.readFileSync(file, 'utf8');
    const tree = parser.parse(text, null, timeoutMs);
    try {
      const facts = extractTypeFacts(tree, file, text);
      siblingFacts.set(file, { mtimeMs, facts });
      return facts;
    } finally {
      tree.delete();
    }
  } catch {
    return undefined; // an unreadable or unparsable sibling only costs type knowledge
  }
}

function siblingsOf(parser: GoParser, files: readonly string[], timeoutMs: number): FileTypeFacts[] {
  const analysed = new Set(files);
  const out: FileTypeFacts[] = [];
  for (const dir of new Set(files.map((f) => path.dirname(f)))) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir).filter((e) => e.endsWith('.go'));
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e);
      if (analysed.has(p)) continue;
      const facts = factsOf(parser, p, timeoutMs);
      if (facts) out.push(facts);
    }
  }
  return out;
}

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'invalidate') {
    resolver.invalidate(msg.goModPath);
    return;
  }
  void (async () => {
    let response: WorkerResponse;
    let current = msg.files[0] ?? '';
    try {
      const parser = await parserReady;
      const inputs = msg.files.map((file) => {
        current = file;
        return { file, text: fs.readFileSync(file, 'utf8') };
      });
      const context = msg.siblings ? siblingsOf(parser, msg.files, msg.options.parseTimeoutMs) : [];
      response = { type: 'result', id: msg.id, results: analyzePackage(parser, resolver, inputs, msg.options, context) };
    } catch (e) {
      response = { type: 'error', id: msg.id, file: current, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(response);
  })();
});
