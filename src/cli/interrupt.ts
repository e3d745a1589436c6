/**
 * Ctrl+C for a command: the first signal asks running work to stop and runs its cleanups
 * (worker threads terminated) before the process exits; a second one exits at once.
 */
import type { Cancellation } from '../core/analysis/workspace';

type Cleanup = () => Promise<void> | void;

/** A cancellation token the core understands, plus cleanups to run before exiting. */
export class Interrupt implements Cancellation {
  private requested = false;
  private readonly cleanups = new Set<Cleanup>();

  get isCancellationRequested(): boolean {
    return this.requested;
  }

  /** Registers a cleanup to run on interrupt; call the returned function once it is not needed. */
  onInterrupt(cleanup: Cleanup): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  /** Marks the work cancelled and runs every cleanup; a failing cleanup does not stop the others. */
  async trigger(): Promise<void> {
    this.requested = true;
    const pending = [...this.cleanups];
    this.cleanups.clear();
    await Promise.allSettled(pending.map(async (c) => c()));
  }
}
