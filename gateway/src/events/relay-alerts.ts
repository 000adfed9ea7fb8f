/**
 * The "still pending" alert of the recall relay as an indexed event: recorded
 * in the index (so SSE replays it by position) and published to SSE clients
 * and webhooks of the channel the copy has not reached.
 */
import type { EventIndex, IndexedEvent } from "../ports/event-index.js";
import type { OutboxItem } from "../ports/outbox.js";
import { relayPendingAlert } from "../services/master-data.js";
import type { EventHub } from "./hub.js";

/** The OutboxRelay's onAlert: other outbox kinds (webhooks) raise no event. */
export function relayAlertPublisher(index: EventIndex, hub: EventHub, now: () => number = Date.now): (item: OutboxItem) => IndexedEvent[] {
  return (item) => {
    const alert = relayPendingAlert(item, now());
    if (!alert) return [];
    const recorded = index.record([alert]);
    for (const event of recorded) hub.publish(event);
    return recorded;
  };
}
