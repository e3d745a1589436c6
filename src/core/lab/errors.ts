/**
 * Typed errors of the lab. Each message is meant to be shown to the user as is: it says what
 * went wrong and what to do about it, because the front doors (extension, CLI) only display
 * it. Front doors branch on the class (`instanceof`), never on message text.
 */

/** Base class of every lab error, so a front door can tell lab failures from bugs. */
export class LabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The Docker daemon cannot be used at all; the subclasses say why. */
export class DockerUnavailableError extends LabError {
  constructor(
    message: string,
    /** The endpoint tried, e.g. `unix:///var/run/docker.sock`. */
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The socket file does not exist: Docker is not installed or its daemon is not running. */
export class DockerSocketMissingError extends DockerUnavailableError {
  constructor(endpoint: string, socketPath: string, options?: { cause?: unknown }) {
    super(
      `Docker is not running: there is no socket at ${socketPath} (${endpoint}). ` +
        'Install Docker Engine and start its daemon (`sudo systemctl start docker`, or `sudo dockerd &` ' +
        'where there is no init system; on Debian/Ubuntu: `sudo apt-get install -y docker.io`), ' +
        'or point DOCKER_HOST at a running daemon.',
      endpoint,
      options,
    );
  }
}

/** The socket exists but this user may not open it. */
export class DockerPermissionError extends DockerUnavailableError {
  constructor(endpoint: string, socketPath: string, options?: { cause?: unknown }) {
    super(
      `Permission denied on the Docker socket ${socketPath}. Add your user to the 'docker' group ` +
        '(`sudo usermod -aG docker $USER`, then log out and in again) or use rootless Docker ' +
        '(DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock).',
      endpoint,
      options,
    );
  }
}

/** Something listens (or the socket exists) but the daemon does not answer in time. */
export class DockerNotRespondingError extends DockerUnavailableError {
  constructor(endpoint: string, detail: string, options?: { cause?: unknown }) {
    super(
      `The Docker daemon at ${endpoint} does not answer (${detail}). It may be starting up or hung: ` +
        'wait a moment and retry, or restart it (`sudo systemctl restart docker`, or stop and start `dockerd`).',
      endpoint,
      options,
    );
  }
}

/** A remote DOCKER_HOST / context endpoint cannot be reached over the network. */
export class DockerHostUnreachableError extends DockerUnavailableError {
  constructor(endpoint: string, detail: string, options?: { cause?: unknown }) {
    super(
      `Cannot reach the Docker host ${endpoint} (${detail}). Check that the host is up and the ` +
        'address, port and TLS settings (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH or the ' +
        'current `docker context`) are right.',
      endpoint,
      options,
    );
  }
}

/** The DOCKER_HOST value or the docker context cannot be understood. */
export class DockerConfigError extends DockerUnavailableError {}

/** The workspace to mount does not exist on the host. */
export class LabWorkspaceMissingError extends LabError {
  constructor(readonly workspace: string) {
    super(`The workspace folder ${workspace} does not exist, so there is nothing to run in the lab. Open an existing folder.`);
  }
}

/** The image to run is not in the daemon's image store. */
export class LabImageMissingError extends LabError {
  constructor(readonly image: string, options?: { cause?: unknown }) {
    super(`The lab image ${image} is not on the Docker host. Build it again (it is rebuilt automatically on the next lab run).`, options);
  }
}

/** The daemon's disk (images, containers, volumes) is full. */
export class LabDiskFullError extends LabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      `The Docker host ran out of disk space (${detail}). Free space with \`docker system prune\` ` +
        '(and `docker volume rm golab-gocache` for the lab build cache), then retry.',
      options,
    );
  }
}

/** The daemon went away while a run was in progress. */
export class LabDaemonDiedError extends LabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`The Docker daemon stopped answering during the lab run (${detail}). Restart Docker and run again.`, options);
  }
}

/** The run was cancelled through its AbortSignal; the container was killed and removed. */
export class LabCancelledError extends LabError {
  constructor(readonly runId: string) {
    super(`Lab run ${runId} was cancelled.`);
  }
}

/** Building the lab image failed; `log` is the build output, also in the message's tail. */
export class LabImageBuildError extends LabError {
  constructor(
    summary: string,
    readonly log: string,
    options?: { cause?: unknown },
  ) {
    const tail = log.split('\n').slice(-40).join('\n').trim();
    super(tail ? `${summary}\n--- build log (last lines) ---\n${tail}` : summary, options);
  }
}

/** Making the `local` base image failed (debootstrap, Go copy or import). */
export class LabBaseImageError extends LabImageBuildError {}

/** The base image could not be pulled from its registry (none reachable, unknown image, no access). */
export class LabPullError extends LabImageBuildError {}

/** Node's system error shape (`code`, `syscall`, `address`), as dockerode passes it through. */
export interface SystemErrorLike {
  code?: string;
  syscall?: string;
  message: string;
  statusCode?: number;
  json?: unknown;
}

/** Narrows an unknown rejection to the fields dockerode and Node errors carry. */
export function asSystemError(e: unknown): SystemErrorLike {
  if (e instanceof Error) return e as Error & SystemErrorLike;
  return { message: String(e) };
}

/** The daemon's own error text (dockerode keeps the JSON body in `json.message`). */
export function daemonMessage(e: unknown): string {
  const err = asSystemError(e);
  const json = err.json;
  if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string') return json.message;
  return err.message;
}

/** True when a daemon or Node error means the disk is full. */
export function isDiskFull(e: unknown): boolean {
  const err = asSystemError(e);
  return err.code === 'ENOSPC' || /no space left on device/i.test(daemonMessage(e));
}

/** True when the connection to the daemon broke (it died or restarted). */
export function isConnectionLost(e: unknown): boolean {
  const code = asSystemError(e).code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || code === 'ENOENT' || /socket hang up/i.test(asSystemError(e).message);
}
