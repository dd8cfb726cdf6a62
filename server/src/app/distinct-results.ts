import { type ExecutionArgs, type ExecutionResult, subscribe } from "graphql";
import type { RequestContext } from "./context.js";

/**
 * A subscription's answers with repeats dropped: an event is published for any change of a run (status,
 * a checkpoint, samples…), and a client that selected only some fields would otherwise receive the same
 * answer again for changes it did not ask about ("RUNNING" three times). Each answer is compared with the
 * previous one sent on the same subscription.
 *
 * A plain iterator, not an async generator: a generator's return() waits for its pending next(), so a
 * client that unsubscribes (or a socket that closes) would leave the source's listeners — and the
 * dispatcher's record of a runner's job stream — alive until the next event. return() here reaches the
 * source at once.
 */
export function distinctResults<T>(
  source: AsyncIterable<T>,
  afterEach: () => void = () => {},
): AsyncIterableIterator<T> {
  const it = source[Symbol.asyncIterator]();
  let previous: string | undefined;
  return {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        const step = await it.next();
        if (step.done) return step;
        afterEach();
        const key = JSON.stringify(step.value);
        if (key === previous) continue;
        previous = key;
        return step;
      }
    },
    return(value?: unknown): Promise<IteratorResult<T>> {
      return it.return ? it.return(value) : Promise.resolve({ done: true, value: undefined });
    },
    throw(error?: unknown): Promise<IteratorResult<T>> {
      return it.throw ? it.throw(error) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * graphql-ws's `subscribe` with distinctResults over each stream (a one-off result passes as is). graphql-js
 * executes an event when its answer is asked for, one at a time, so renewing the context's reads after each
 * answer gives every event fresh loaders (RequestContext.renewReads).
 */
export async function subscribeDistinct(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const result = await subscribe(args);
  const context = args.contextValue as Partial<RequestContext> | undefined;
  return Symbol.asyncIterator in result ? distinctResults(result, () => context?.renewReads?.()) : result;
}
