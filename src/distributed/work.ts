// Work handles of asynchronous collectives (PyTorch's `async_op=True`).
import { dist, type WorkHandle } from "./native.js";

/**
 * A collective in flight. `await work.wait()` waits on a libuv thread, so the event loop keeps
 * running; `work.waitSync()` blocks (as PyTorch's `Work.wait()`).
 */
export class Work {
  private done = false;
  private promise: Promise<void> | null = null;
  /** @internal */
  constructor(
    private readonly h: WorkHandle | null,
    private readonly after: () => void,
    private readonly explain: (e: unknown) => Error,
  ) {}

  /** Resolves when the collective has finished (rejects with the rank that failed, if one did). */
  wait(): Promise<void> {
    if (this.done) return Promise.resolve();
    this.promise ??= (this.h ? dist.distWorkWaitAsync(this.h) : Promise.resolve()).then(
      () => this.finish(),
      (e) => {
        throw this.explain(e);
      },
    );
    return this.promise;
  }

  /** Blocks until the collective has finished. */
  waitSync(): void {
    if (this.done) return;
    try {
      if (this.h) dist.distWorkWait(this.h);
    } catch (e) {
      throw this.explain(e);
    }
    this.finish();
  }

  isCompleted(): boolean {
    return this.done || (this.h ? dist.distWorkIsCompleted(this.h) : true);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.after();
  }
}
