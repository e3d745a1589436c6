/**
 * Connecting to Docker: endpoint resolution (DOCKER_HOST, docker contexts, the default) and the
 * typed errors with their user-facing messages, against real sockets and the real daemon.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { connectDocker, DEFAULT_DOCKER_HOST, resolveDockerEndpoint } from '../../src/core/lab/docker';
import { DockerConfigError, DockerHostUnreachableError, DockerNotRespondingError, DockerSocketMissingError } from '../../src/core/lab/errors';
import { hostDebianMirror, parseAptSources } from '../../src/core/lab/image';
import { toContainerPath, toHostPath, signalOfExitCode, WORKSPACE_MOUNT } from '../../src/core/lab/runner';
import { assertNoLabContainers, connectOrExplain } from './helpers';

describe('lab: Docker connection', function () {
  let home: string;

  before(async function () {
    // Fails with the install command when dockerd is unreachable: never a silent skip.
    await connectOrExplain();
  });

  beforeEach(function () {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-home-'));
  });

  afterEach(async function () {
    fs.rmSync(home, { recursive: true, force: true });
    await assertNoLabContainers(await connectOrExplain());
  });

  it('uses DOCKER_HOST first, then the current docker context, then the default socket', function () {
    assert.deepStrictEqual(resolveDockerEndpoint({ env: {}, homeDir: home }), { host: DEFAULT_DOCKER_HOST, source: 'default' });
    assert.strictEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://10.0.0.1:2375' }, homeDir: home }).host, 'tcp://10.0.0.1:2375');

    const name = 'golab-test';
    const meta = path.join(home, '.docker', 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
    fs.mkdirSync(meta, { recursive: true });
    fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: 'unix:///run/user/1000/docker.sock' } } }));
    fs.writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: name }));
    assert.deepStrictEqual(resolveDockerEndpoint({ env: {}, homeDir: home }), { host: 'unix:///run/user/1000/docker.sock', source: `context ${name}`, tls: undefined });
    // DOCKER_HOST still wins over the context, as with the docker CLI.
    assert.strictEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix:///x.sock' }, homeDir: home }).host, 'unix:///x.sock');

    fs.writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'absent' }));
    assert.throws(() => resolveDockerEndpoint({ env: {}, homeDir: home }), DockerConfigError);
  });

  it('connects to the real daemon through the default endpoint', async function () {
    const conn = await connectDocker({ env: {}, homeDir: home });
    assert.strictEqual(conn.endpoint.host, DEFAULT_DOCKER_HOST);
  });

  it('an unreachable unix DOCKER_HOST gives DockerSocketMissingError saying how to start Docker', async function () {
    await assert.rejects(connectDocker({ env: { DOCKER_HOST: 'unix:///nonexistent.sock' }, homeDir: home }), (e: unknown) => {
      assert.ok(e instanceof DockerSocketMissingError, String(e));
      assert.match(e.message, /\/nonexistent\.sock/);
      assert.match(e.message, /dockerd|systemctl start docker/);
      return true;
    });
  });

  it('a stopped daemon (its socket left behind, nobody listening) gives DockerNotRespondingError', async function () {
    // A socket file with no listener, as a killed dockerd leaves /var/run/docker.sock.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-sock-'));
    const sock = path.join(dir, 'docker.sock');
    const made = spawnSync('python3', ['-c', `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(sock)})`]);
    assert.strictEqual(made.status, 0, String(made.stderr));
    try {
      await assert.rejects(connectDocker({ env: { DOCKER_HOST: `unix://${sock}` }, homeDir: home }, 3000), (e: unknown) => {
        assert.ok(e instanceof DockerNotRespondingError, String(e));
        assert.match(e.message, /not running but left its socket behind/);
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a refused tcp DOCKER_HOST gives DockerHostUnreachableError', async function () {
    await assert.rejects(connectDocker({ env: { DOCKER_HOST: 'tcp://127.0.0.1:1' }, homeDir: home }, 3000), (e: unknown) => {
      assert.ok(e instanceof DockerHostUnreachableError, String(e));
      assert.match(e.message, /tcp:\/\/127\.0\.0\.1:1/);
      return true;
    });
  });

  it('maps paths between the host workspace and the container', function () {
    const ws = path.join(os.tmpdir(), 'ws');
    assert.strictEqual(toContainerPath(path.join(ws, 'pkg', 'a.go'), ws), `${WORKSPACE_MOUNT}/pkg/a.go`);
    assert.strictEqual(toContainerPath(ws, ws), WORKSPACE_MOUNT);
    assert.strictEqual(toContainerPath(path.join(ws, '..', 'other'), ws), undefined);
    assert.strictEqual(toHostPath(`${WORKSPACE_MOUNT}/pkg/a.go`, ws), path.join(ws, 'pkg', 'a.go'));
    assert.strictEqual(toHostPath(`${WORKSPACE_MOUNT}/../etc/passwd`, ws), undefined);
    assert.strictEqual(toHostPath('/usr/local/go/src/runtime/proc.go', ws), undefined);
    assert.strictEqual(signalOfExitCode(137), 'SIGKILL');
    assert.strictEqual(signalOfExitCode(1), undefined);
  });

  it('reads the Debian mirror from apt sources (one-line and deb822)', function () {
    assert.deepStrictEqual(parseAptSources('# c\ndeb [arch=amd64] http://mirror.invalid/debian bookworm main contrib\n', false), [
      { uri: 'http://mirror.invalid/debian', suites: ['bookworm'], components: ['main', 'contrib'] },
    ]);
    const deb822 = 'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.invalid/sec\nSuites: bookworm-security\nComponents: main\n';
    assert.deepStrictEqual(
      parseAptSources(deb822, true).map((s) => s.uri),
      ['http://mirror.invalid/debian', 'http://mirror.invalid/sec'],
    );
    const apt = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-apt-'));
    fs.mkdirSync(path.join(apt, 'sources.list.d'));
    fs.writeFileSync(path.join(apt, 'sources.list.d', 'debian.sources'), deb822);
    assert.strictEqual(hostDebianMirror('bookworm', apt), 'http://mirror.invalid/debian');
    assert.strictEqual(hostDebianMirror('trixie', apt), undefined);
    fs.rmSync(apt, { recursive: true, force: true });
  });
});
