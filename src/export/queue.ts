// The bounded queue between the analysis and a receiver that may be slow, down or far away. The
// analysis only ever appends (constant time, never waits); one pump per queue hands batches to the
// transport and retries with a growing pause while the receiver fails. When the queue is full new
// messages are dropped, counted and reported (the first, the 10th, the 100th, ...) -- never silently;
// the end of the run waits a bounded time for what is queued and counts the rest as dropped.

/** Where a queue delivers: resolves once the receiver has taken the batch, rejects when it has not. */
export interface Transport<T> {
  /** Shown in messages, e.g. "127.0.0.1:514/tcp". */
  readonly description: string;
  send(batch: readonly T[]): Promise<void>;
  /** Releases the connection; whatever is still in flight fails. */
  close(): void | Promise<void>;
}

/** A batch the receiver refused for good (bad request, unknown channel): retrying cannot help. */
export class Rejected extends Error {}

export interface ExportLog {
  /** slips.log and the console. */
  print(text: string): void;
  /** errors.log and stderr. */
  error(text: string): void;
}

export interface QueueLimits {
  /** Messages held at most; beyond this new ones are dropped. */
  capacity: number;
  /** Messages handed to the transport at once. */
  maxBatch: number;
  /** First and longest pause between attempts while the receiver fails, in seconds. */
  retryFirst: number;
  retryMax: number;
  /** Seconds close() waits for the queue to empty. */
  closeTimeout: number;
}

export interface QueueStats { delivered: number; dropped: number; rejected: number; pending: number }

const errorText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException & { cause?: { code?: string; message?: string } };
  return err?.cause?.code ?? err?.code ?? err?.cause?.message ?? err?.message ?? String(e);
};

export class DeliveryQueue<T> {
  private items: T[] = [];
  private head = 0;
  private pumping: Promise<void> | null = null;
  private failing: string | null = null;
  private closing = false;
  private aborted = false;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  private nextDropReport = 1;
  private delivered = 0;
  private dropped = 0;
  private rejected = 0;

  constructor(private readonly name: string, private readonly transport: Transport<T>,
    private readonly limits: QueueLimits, private readonly log: ExportLog) {}

  get pending(): number { return this.items.length - this.head; }

  stats(): QueueStats { return { delivered: this.delivered, dropped: this.dropped, rejected: this.rejected, pending: this.pending }; }

  /** Queues one message; never waits. */
  push(item: T): void {
    if (this.closing || this.pending >= this.limits.capacity) {
      this.dropped++;
      if (this.dropped >= this.nextDropReport) {
        this.nextDropReport *= 10;
        this.log.error(`${this.name}: queue full (${this.limits.capacity} messages waiting for ${this.transport.description}); ` +
          `dropped ${this.dropped} message${this.dropped === 1 ? '' : 's'} so far`);
      }
      return;
    }
    this.items.push(item);
    this.pumping ??= this.pump();
  }

  private sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => { clearTimeout(timer); this.sleeping = null; resolve(); };
      const timer = setTimeout(wake, seconds * 1000);
      this.sleeping = { timer, wake };
    });
  }

  private async pump(): Promise<void> {
    // Start on the next turn of the event loop, so a burst of evidence goes out as one batch.
    await new Promise<void>((r) => setImmediate(r));
    let pause = this.limits.retryFirst;
    while (this.pending > 0 && !this.aborted) {
      const batch = this.items.slice(this.head, this.head + this.limits.maxBatch);
      try {
        await this.transport.send(batch);
        this.take(batch.length);
        this.delivered += batch.length;
        if (this.failing) {
          this.log.print(`${this.name}: ${this.transport.description} takes messages again (${this.pending} queued)`);
          this.failing = null;
        }
        pause = this.limits.retryFirst;
      } catch (e) {
        if (this.aborted) break;
        if (e instanceof Rejected) {
          this.take(batch.length);
          this.rejected += batch.length;
          this.log.error(`${this.name}: ${this.transport.description} refused ${batch.length} message${batch.length === 1 ? '' : 's'}: ${e.message}`);
          continue;
        }
        const why = errorText(e);
        if (this.failing !== why) {
          this.log.error(`${this.name}: cannot deliver to ${this.transport.description}: ${why}; retrying ` +
            `(${this.pending} queued, at most ${this.limits.capacity} kept)`);
          this.failing = why;
        }
        await this.sleep(pause);
        pause = Math.min(pause * 2, this.limits.retryMax);
      }
    }
    this.pumping = null;
  }

  private take(n: number): void {
    this.head += n;
    if (this.head > 4096 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
  }

  /** Waits up to closeTimeout for the queue to empty, then stops; what is left counts as dropped. */
  async close(): Promise<QueueStats> {
    this.closing = true;
    if (this.pumping) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((r) => { timer = setTimeout(() => r(true), this.limits.closeTimeout * 1000); });
      const late = await Promise.race([this.pumping.then(() => false), timedOut]);
      clearTimeout(timer);
      if (late) {
        this.aborted = true;
        this.sleeping?.wake();
        await this.transport.close();
        await this.pumping;
      }
    }
    if (!this.aborted) await this.transport.close();
    const left = this.pending;
    if (left) {
      this.dropped += left;
      this.take(left);
      this.log.error(`${this.name}: ${left} message${left === 1 ? '' : 's'} not delivered to ${this.transport.description} ` +
        `within export_close_timeout (${this.limits.closeTimeout} s)`);
    }
    const s = this.stats();
    const summary = `${this.name}: delivered ${s.delivered} message${s.delivered === 1 ? '' : 's'} to ${this.transport.description}` +
      `, dropped ${s.dropped}` + (s.rejected ? `, refused by the receiver ${s.rejected}` : '');
    if (s.dropped || s.rejected) this.log.error(summary); else this.log.print(summary);
    return s;
  }
}
