/** In-process fan-out of newly indexed events to SSE clients and webhooks. */
import type { IndexedEvent } from "../ports/event-index.js";

export type EventHandler = (event: IndexedEvent) => void;

export class EventHub {
  readonly #handlers = new Set<EventHandler>();

  /** @returns a function that ends the subscription */
  subscribe(handler: EventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  publish(event: IndexedEvent): void {
    for (const handler of this.#handlers) {
      // One failing subscriber must not starve the others.
      try {
        handler(event);
      } catch {
        /* the subscriber reports its own failures */
      }
    }
  }

  get size(): number {
    return this.#handlers.size;
  }
}
