/**
 * Ctrl+C for a command: the first signal asks running work to stop and runs its cleanups
 * (worker threads terminated) before the process exits; a second one exits at once. A command
 * may instead take the first signal as a stop that keeps its results ({@link onStop}): it
 * then finishes and reports as usual, and only a second signal interrupts it.
 */
import type { Cancellation } from '../core/analysis/workspace';

type Cleanup = () => Promise<void> | void;

/** A cancellation token the core understands, plus cleanups to run before exiting. */
export class Interrupt implements Cancellation {
  private requested = false;
  private readonly cleanups = new Set<Cleanup>();
  private stopper: (() => void) | undefined;

  get isCancellationRequested(): boolean {
    return this.requested;
  }

  /** Registers a cleanup to run on interrupt; call the returned function once it is not needed. */
  onInterrupt(cleanup: Cleanup): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  /**
   * Makes the next signal call `stop` instead of interrupting (once); call the returned
   * function when the stop would no longer mean anything.
   */
  onStop(stop: () => void): () => void {
    this.stopper = stop;
    return () => {
      if (this.stopper === stop) this.stopper = undefined;
    };
  }

  /** Calls the registered stop, if any, and says whether there was one: the signal is then taken. */
  stop(): boolean {
    const s = this.stopper;
    if (!s || this.requested) return false;
    this.stopper = undefined;
    s();
    return true;
  }

  /** Marks the work cancelled and runs every cleanup; a failing cleanup does not stop the others. */
  async trigger(): Promise<void> {
    this.requested = true;
    const pending = [...this.cleanups];
    this.cleanups.clear();
    await Promise.allSettled(pending.map(async (c) => c()));
  }
}
