/**
 * Counter children for the hit path. A prom-client child still hashes its label set on every
 * `inc()` (builds a string, validates the labels, looks the string up): profiled, that was
 * about 40 % of an L1 hit. A bound child adds to a plain number instead, and hands the sum to
 * prom-client whenever the counter is read (a scrape, `registry.metrics()`, `counter.get()`),
 * so every reader sees exactly the counts it saw before.
 */
import type { Counter, LabelValues } from 'prom-client';

export interface CounterChild {
  inc(n?: number): void;
}

class BoundChild implements CounterChild {
  private pending = 0;

  constructor(
    private readonly counter: Counter<string>,
    private readonly labels: LabelValues<string>,
  ) {}

  inc(n = 1): void {
    // The checks prom-client makes, kept so a bad increment fails where it is made.
    if (!(n >= 0) || n === Infinity) throw new RangeError(`expected a finite increment ≥ 0, got ${n}`);
    this.pending += n;
  }

  flush(): void {
    if (this.pending === 0) return;
    const n = this.pending;
    this.pending = 0;
    this.counter.inc(this.labels, n);
  }
}

type Collect = (this: Counter<string>) => void | Promise<void>;

/** Children per counter, one per label set: bounded by the label sets the callers use. */
const childrenOf = new WeakMap<Counter<string>, Map<string, BoundChild>>();

function install(counter: Counter<string>): Map<string, BoundChild> {
  const children = new Map<string, BoundChild>();
  childrenOf.set(counter, children);
  const holder = counter as unknown as { collect?: Collect };
  const previous = holder.collect;
  holder.collect = function (this: Counter<string>) {
    for (const c of children.values()) c.flush();
    return previous?.call(this);
  };
  return children;
}

/** The child of `counter` for `labels`; the same child for the same label set. */
export function boundChild<L extends string>(counter: Counter<L>, labels: LabelValues<L>): CounterChild {
  const c = counter as unknown as Counter<string>;
  const children = childrenOf.get(c) ?? install(c);
  const id = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  let child = children.get(id);
  if (child === undefined) children.set(id, (child = new BoundChild(c, labels)));
  return child;
}
