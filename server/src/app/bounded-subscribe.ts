import { FixedBuffer, Repeater } from "@repeaterjs/repeater";

/**
 * Events one subscription holds that its subscriber has not taken yet, before it counts as stalled. A burst
 * published in one go (dispatch marking thousands of QUEUED runs, a 100-run experiment created) is taken
 * as soon as the publisher yields, so it only needs room; a subscriber that does not take at all is a
 * stalled one: graphql-ws takes the next event only once the last one is written to the socket, so a client
 * that stops reading (a laptop asleep with a dashboard open, or on purpose) stops taking. Unbounded, its
 * events piled up until the pub/sub's queue overflowed at 1,024, which threw inside publish and ended the
 * whole process.
 */
export const maxHeldEvents = 10_000;
/** Events queued beyond the held ones before the subscription is ended (the library refuses 1,024). */
const maxOverflow = 100;

/** Why a subscription was ended: its subscriber fell maxHeldEvents behind. */
export class SubscriberTooSlowError extends Error {
  constructor(topic: string) {
    super(
      `subscription to ${topic} ended: its client left over ${maxHeldEvents} events unread (a connection that stopped reading); subscribe again`,
    );
    this.name = "SubscriberTooSlowError";
  }
}

/**
 * The pub/sub's subscribe, with a bound: events wait in the subscription (up to maxHeldEvents) until taken,
 * and a subscriber further behind is ended with SubscriberTooSlowError (graphql-ws then closes its socket),
 * as Redis drops a pub/sub client over its output buffer limit — the publisher and every other subscriber
 * go on.
 */
export function boundedSubscribe<T>(target: EventTarget, topic: string): Repeater<T> {
  const held = new FixedBuffer(maxHeldEvents);
  return new Repeater<T>((push, stop) => {
    /** Pushes made while the buffer was full, not taken yet. */
    let waiting = 0;
    const listener = (event: Event) => {
      const value = (event as CustomEvent<T>).detail;
      if (!held.full) {
        push(value).catch(() => {});
        return;
      }
      if (waiting >= maxOverflow) {
        stop(new SubscriberTooSlowError(topic));
        return;
      }
      waiting++;
      push(value).then(
        () => waiting--,
        () => {},
      );
    };
    target.addEventListener(topic, listener);
    stop.then(() => target.removeEventListener(topic, listener));
  }, held);
}
