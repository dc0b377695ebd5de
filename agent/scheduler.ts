// Bounded concurrency with per-key order: items sharing a key (an environment) run one after
// the other in the order given, different keys run side by side, at most `limit` at once.
// Hand-written (a dozen lines) rather than a dependency: p-limit and friends bound concurrency
// but know nothing of keys.

export async function runKeyed<T, R>(items: readonly T[], keyOf: (item: T) => string, limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const queues = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const queue = queues.get(key);
    if (queue) queue.push(index);
    else queues.set(key, [index]);
  });
  const pending = [...queues.values()];
  const worker = async () => {
    for (let queue = pending.shift(); queue; queue = pending.shift()) {
      for (const index of queue) results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, pending.length)) }, worker));
  return results;
}
