import { Repeater } from "@repeaterjs/repeater";

/**
 * Events one subscription may hold that its subscriber has not taken yet. graphql-ws takes the next event
 * only once the last one is written to the socket, so a client that stops reading (a laptop asleep with a
 * dashboard open, or on purpose) stops taking: unbounded, its events would pile up until the pub/sub's
 * queue overflowed, which threw inside publish and ended the whole process.
 */
export const maxPendingEvents = 1000;

/** Why a subscription was ended: its subscriber fell maxPendingEvents behind. */
export class SubscriberTooSlowError extends Error {
  constructor(topic: string) {
    super(
      `subscription to ${topic} ended: its client left ${maxPendingEvents} events unread (a connection that stopped reading); subscribe again`,
    );
    this.name = "SubscriberTooSlowError";
  }
}

/**
 * The pub/sub's subscribe, with a bound: each event waits in the subscription until taken, and a subscriber
 * maxPendingEvents behind is ended with SubscriberTooSlowError (graphql-ws then closes its socket), as
 * Redis drops a pub/sub client over its output buffer limit — the publisher and every other subscriber go on.
 */
export function boundedSubscribe<T>(target: EventTarget, topic: string): Repeater<T> {
  return new Repeater<T>((push, stop) => {
    let pending = 0;
    const listener = (event: Event) => {
      if (pending >= maxPendingEvents) {
        stop(new SubscriberTooSlowError(topic));
        return;
      }
      pending++;
      push((event as CustomEvent<T>).detail).then(
        () => pending--,
        () => {},
      );
    };
    target.addEventListener(topic, listener);
    stop.then(() => target.removeEventListener(topic, listener));
  });
}
