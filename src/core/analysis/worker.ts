/**
 * Worker-thread entry (bundled as dist/analysisWorker.js): one parser per thread, so
 * workspace analysis uses every core without sharing wasm state between threads.
 */
import * as fs from 'fs';
import { parentPort } from 'worker_threads';
import { analyzeText } from './file';
import { GoVersionResolver } from './goVersion';
import { GoParser } from './parser';
import type { WorkerRequest, WorkerResponse } from './protocol';

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');

const resolver = new GoVersionResolver();
const parserReady = GoParser.create();

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'invalidate') {
    resolver.invalidate(msg.goModPath);
    return;
  }
  void (async () => {
    let response: WorkerResponse;
    try {
      const parser = await parserReady;
      const text = msg.text ?? fs.readFileSync(msg.file, 'utf8');
      response = { type: 'result', id: msg.id, result: analyzeText(parser, resolver, msg.file, text, msg.options) };
    } catch (e) {
      response = { type: 'error', id: msg.id, file: msg.file, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(response);
  })();
});
