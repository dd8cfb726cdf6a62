import { type ExecutionArgs, type ExecutionResult, subscribe } from "graphql";

/**
 * A subscription's answers with repeats dropped: an event is published for any change of a run (status,
 * a checkpoint, samples…), and a client that selected only some fields would otherwise receive the same
 * answer again for changes it did not ask about ("RUNNING" three times). Each answer is compared with the
 * previous one sent on the same subscription.
 */
export async function* distinctResults<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  let previous: string | undefined;
  for await (const result of source) {
    const key = JSON.stringify(result);
    if (key === previous) continue;
    previous = key;
    yield result;
  }
}

/** graphql-ws's `subscribe` with distinctResults over each stream (a one-off result passes as is). */
export async function subscribeDistinct(
  args: ExecutionArgs,
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const result = await subscribe(args);
  return Symbol.asyncIterator in result ? distinctResults(result) : result;
}
