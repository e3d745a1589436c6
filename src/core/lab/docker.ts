/**
 * The connection to the Docker daemon: which endpoint (DOCKER_HOST, else the current `docker
 * context`, else the default socket), a dockerode client for it, and a ping that turns every
 * way of failing into a typed error whose message says what to do.
 *
 * We resolve the endpoint ourselves instead of letting docker-modem read DOCKER_HOST because
 * docker-modem knows nothing of docker contexts (Docker Desktop, colima and rootless setups
 * all switch the daemon through a context) and because the typed errors need to know whether
 * the endpoint is a local socket or a remote host.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Docker from 'dockerode';
import {
  asSystemError,
  DockerConfigError,
  DockerHostUnreachableError,
  DockerNotRespondingError,
  DockerPermissionError,
  DockerSocketMissingError,
  type DockerUnavailableError,
} from './errors';

/** The default socket of a Linux Docker Engine. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** Certificates for a TLS connection to a remote daemon. */
export interface DockerTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Verify the daemon's certificate against `ca` (DOCKER_TLS_VERIFY / context SkipTLSVerify). */
  verify: boolean;
}

/** Where the daemon is and how that was decided (shown in errors and logs). */
export interface DockerEndpoint {
  /** `unix:///path`, `tcp://host:port`, `ssh://user@host` or `npipe:////./pipe/name`. */
  host: string;
  /** `DOCKER_HOST`, `context <name>` or `default`. */
  source: string;
  tls?: DockerTls;
}

/** Environment and home directory to resolve from; tests pass their own. */
export interface EndpointLookup {
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
}

function readCerts(dir: string, verify: boolean): DockerTls {
  const read = (name: string) => {
    const file = path.join(dir, name);
    return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), verify };
}

/** The `Endpoints.docker` of a context's meta.json, typed as far as we read it. */
interface ContextMeta {
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/**
 * Resolves the daemon endpoint the way the docker CLI does: DOCKER_HOST (with
 * DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), else DOCKER_CONTEXT or `currentContext` of
 * `~/.docker/config.json` (its endpoint in `contexts/meta/<sha256(name)>/meta.json`, its
 * certificates in `contexts/tls/<sha256(name)>/docker/`), else the default socket.
 */
export function resolveDockerEndpoint(lookup: EndpointLookup = {}): DockerEndpoint {
  const env = lookup.env ?? process.env;
  const home = lookup.homeDir ?? os.homedir();
  const configDir = env.DOCKER_CONFIG || path.join(home, '.docker');

  if (env.DOCKER_HOST) {
    const tlsVerify = !!env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0';
    const certDir = env.DOCKER_CERT_PATH || configDir;
    const wantsTls = tlsVerify || !!env.DOCKER_CERT_PATH;
    return { host: env.DOCKER_HOST, source: 'DOCKER_HOST', tls: wantsTls ? readCerts(certDir, tlsVerify) : undefined };
  }

  let context = env.DOCKER_CONTEXT;
  if (!context) {
    try {
      const config = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: unknown };
      if (typeof config.currentContext === 'string') context = config.currentContext;
    } catch {
      // No or unreadable config.json: the CLI falls back to the default context too.
    }
  }
  if (context && context !== 'default') {
    const id = createHash('sha256').update(context).digest('hex');
    const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
    let meta: ContextMeta;
    try {
      meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as ContextMeta;
    } catch (e) {
      throw new DockerConfigError(
        `The docker context "${context}" is selected but its description ${metaFile} cannot be read ` +
          `(${asSystemError(e).message}). Select another with \`docker context use default\` or set DOCKER_HOST.`,
        `context ${context}`,
        { cause: e },
      );
    }
    const docker = meta.Endpoints?.docker;
    if (!docker?.Host) {
      throw new DockerConfigError(
        `The docker context "${context}" has no Docker endpoint (Endpoints.docker.Host in ${metaFile}). ` +
          'Select another with `docker context use default` or set DOCKER_HOST.',
        `context ${context}`,
      );
    }
    const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
    const tls = fs.existsSync(tlsDir) ? readCerts(tlsDir, !docker.SkipTLSVerify) : undefined;
    return { host: docker.Host, source: `context ${context}`, tls };
  }
  return { host: DEFAULT_DOCKER_HOST, source: 'default' };
}

/** The local socket path of a `unix://` or `npipe://` endpoint, else undefined. */
export function socketPathOf(endpoint: DockerEndpoint): string | undefined {
  const host = endpoint.host;
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('npipe://')) return host.slice('npipe://'.length).replace(/\//g, '\\');
  return undefined;
}

/** dockerode options for an endpoint; throws DockerConfigError for a scheme we cannot speak. */
export function dockerOptions(endpoint: DockerEndpoint): Docker.DockerOptions {
  const socketPath = socketPathOf(endpoint);
  if (socketPath !== undefined) return { socketPath };
  let url: URL;
  try {
    url = new URL(endpoint.host);
  } catch (e) {
    throw new DockerConfigError(
      `DOCKER_HOST "${endpoint.host}" (${endpoint.source}) is not a valid address; use e.g. unix:///var/run/docker.sock or tcp://host:2376.`,
      endpoint.host,
      { cause: e },
    );
  }
  switch (url.protocol) {
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = endpoint.tls;
      const https = url.protocol === 'https:' || !!tls || url.port === '2376';
      return {
        host: url.hostname,
        port: url.port || (https ? '2376' : '2375'),
        protocol: https ? 'https' : 'http',
        ca: tls?.verify ? tls.ca : undefined,
        cert: tls?.cert,
        key: tls?.key,
      };
    }
    case 'ssh:':
      return {
        protocol: 'ssh',
        host: url.hostname,
        port: url.port || '22',
        username: url.username || undefined,
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      };
    default:
      throw new DockerConfigError(
        `DOCKER_HOST "${endpoint.host}" (${endpoint.source}) uses ${url.protocol}, which the lab cannot use; use unix://, tcp:// or ssh://.`,
        endpoint.host,
      );
  }
}

/** A dockerode client and the endpoint it talks to. */
export interface DockerConnection {
  docker: Docker;
  endpoint: DockerEndpoint;
}

/** A dockerode client for the resolved endpoint (no I/O yet; call `pingDocker` to check it). */
export function createDockerClient(lookup: EndpointLookup = {}): DockerConnection {
  const endpoint = resolveDockerEndpoint(lookup);
  return { docker: new Docker(dockerOptions(endpoint)), endpoint };
}

/** Maps a failed ping (or any first request) to the typed error that says what to do. */
export function classifyConnectError(endpoint: DockerEndpoint, e: unknown): DockerUnavailableError {
  const err = asSystemError(e);
  const socketPath = socketPathOf(endpoint);
  const detail = err.code ? `${err.code}: ${err.message}` : err.message;
  if (socketPath !== undefined) {
    if (err.code === 'ENOENT' || !fs.existsSync(socketPath)) return new DockerSocketMissingError(endpoint.host, socketPath, { cause: e });
    if (err.code === 'EACCES' || err.code === 'EPERM') return new DockerPermissionError(endpoint.host, socketPath, { cause: e });
    if (err.code === 'ECONNREFUSED') {
      // A socket file nobody listens on: the daemon died and left it behind.
      return new DockerNotRespondingError(endpoint.host, 'connection refused: the daemon is not running but left its socket behind', {
        cause: e,
      });
    }
    return new DockerNotRespondingError(endpoint.host, detail, { cause: e });
  }
  if (err.code === 'ETIMEDOUT' || err.code === 'ABORT_ERR' || err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new DockerHostUnreachableError(endpoint.host, detail, { cause: e });
  }
  return new DockerNotRespondingError(endpoint.host, detail, { cause: e });
}

/**
 * Checks that the daemon answers within `timeoutMs` (default 3 s): a hung daemon must not hang
 * the editor. Rejects with a DockerUnavailableError.
 */
export async function pingDocker(conn: DockerConnection, timeoutMs = 3000): Promise<void> {
  const socketPath = socketPathOf(conn.endpoint);
  // A missing socket is the most common case (Docker not started); say so without a request.
  if (socketPath !== undefined && process.platform !== 'win32' && !fs.existsSync(socketPath)) {
    throw new DockerSocketMissingError(conn.endpoint.host, socketPath);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    // dockerode's ping takes { abortSignal } at run time; its typings only declare ping().
    const ping = conn.docker.ping.bind(conn.docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: abort.signal });
  } catch (e) {
    if (abort.signal.aborted) {
      const detail = `no answer within ${timeoutMs} ms`;
      throw socketPath !== undefined
        ? new DockerNotRespondingError(conn.endpoint.host, detail, { cause: e })
        : new DockerHostUnreachableError(conn.endpoint.host, detail, { cause: e });
    }
    throw classifyConnectError(conn.endpoint, e);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves the endpoint, creates the client and pings it: the one call a front door needs. */
export async function connectDocker(lookup: EndpointLookup = {}, timeoutMs = 3000): Promise<DockerConnection> {
  const conn = createDockerClient(lookup);
  await pingDocker(conn, timeoutMs);
  return conn;
}
