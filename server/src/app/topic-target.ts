/**
 * The event target under the pub/sub (`createEvents`): one set of listeners per topic.
 *
 * The pub/sub adds one listener per live subscription to its target — every `runUpdated` a dashboard holds,
 * every `jobs` stream, from whichever connection. On Node's EventTarget the 11th listener of one topic
 * printed MaxListenersExceededWarning, a leak heuristic for an object that should have few listeners; for
 * a process-wide hub the count is the number of people watching, not a leak. A leak here is a listener left
 * after its subscription ended: `listenerCount` shows it, and the tests check it returns to zero
 * (events.test.ts, request-limits.test.ts).
 */
type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };

export class TopicTarget implements EventTarget {
  private readonly topics = new Map<string, Set<Listener>>();

  addEventListener(type: string, listener: Listener | null): void {
    if (!listener) return;
    const listeners = this.topics.get(type) ?? new Set();
    listeners.add(listener);
    this.topics.set(type, listeners);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const listeners = this.topics.get(type);
    if (!listeners || !listener) return;
    listeners.delete(listener);
    if (listeners.size === 0) this.topics.delete(type);
  }

  /**
   * Calls the topic's listeners in the order they were added (a copy: one may unsubscribe while called).
   * A listener that throws does not keep the event from the others; its error is thrown on the next tick,
   * as Node's EventTarget reports it.
   */
  dispatchEvent(event: Event): boolean {
    const listeners = this.topics.get(event.type);
    if (!listeners) return true;
    for (const listener of [...listeners]) {
      try {
        if (typeof listener === "function") listener(event);
        else listener.handleEvent(event);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
    return true;
  }

  /** How many subscriptions listen on `type` now. */
  listenerCount(type: string): number {
    return this.topics.get(type)?.size ?? 0;
  }
}
