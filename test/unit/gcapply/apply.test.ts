/** Where a chosen GC setting is written: launch.json, a Dockerfile, a Kubernetes snippet. */
import * as assert from 'assert';
import { applyToDockerfile, applyToLaunchJson, dockerfileEnvLine, goMemLimit, kubernetesEnvSnippet } from '../../../src/core/gc/apply';

const ENV = { GOGC: '200', GOMEMLIMIT: '870MiB' };

describe('applying a GC setting', () => {
  it('writes GOMEMLIMIT as Go reads it', () => {
    assert.strictEqual(goMemLimit(870 * 1024 ** 2), '870MiB');
    assert.strictEqual(goMemLimit(2 * 1024 ** 3), '2GiB');
    assert.strictEqual(goMemLimit(1000), '1000B');
  });

  it('puts one ENV line at the end of a Dockerfile, replacing single-variable ENV lines of the same names', () => {
    const before = 'FROM golang:1.26 AS build\nENV GOGC=50\nRUN go build -o /app .\nFROM debian\nENV GOMEMLIMIT 1GiB\nENV TZ=UTC\nCMD ["/app"]\n';
    const after = applyToDockerfile(before, ENV);
    assert.strictEqual(after, 'FROM golang:1.26 AS build\nRUN go build -o /app .\nFROM debian\nENV TZ=UTC\nCMD ["/app"]\nENV GOGC=200 GOMEMLIMIT=870MiB\n');
    assert.strictEqual(dockerfileEnvLine({ GOGC: 'off' }), 'ENV GOGC=off');
  });

  it('sets env on every Go launch configuration, keeping other variables, comments allowed on input', () => {
    const text = '{\n  // launch\n  "version": "0.2.0",\n  "configurations": [\n    { "name": "a", "type": "go", "request": "launch", "env": { "X": "1" } },\n    { "name": "b", "type": "node" },\n  ]\n}\n';
    const out = JSON.parse(applyToLaunchJson(text, ENV)) as { configurations: Array<{ name: string; env?: Record<string, string> }> };
    assert.deepStrictEqual(out.configurations[0].env, { X: '1', GOGC: '200', GOMEMLIMIT: '870MiB' });
    assert.strictEqual(out.configurations[1].env, undefined);
    const fresh = JSON.parse(applyToLaunchJson(undefined, ENV)) as { configurations: Array<{ type: string; env: Record<string, string> }> };
    assert.strictEqual(fresh.configurations[0].type, 'go');
    assert.deepStrictEqual(fresh.configurations[0].env, ENV);
  });

  it('writes a Kubernetes container env snippet', () => {
    assert.strictEqual(kubernetesEnvSnippet(ENV, '  '), 'env:\n  - name: GOGC\n    value: "200"\n  - name: GOMEMLIMIT\n    value: "870MiB"\n');
  });
});
