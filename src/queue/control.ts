/**
 * Stops crossing processes: `cancel(runId)` publishes on a Redis channel that every worker
 * subscribes to; the worker holding the run aborts it (BullMQ's own cancel only works inside
 * the process that holds the job).
 */
import type { Redis } from 'ioredis';

/** A control message on the channel. */
export interface ControlMessage {
  /** The only control today: stop a run. */
  type: 'cancel';
  /** The run to stop. */
  runId: string;
  /** Who asked (user id), for the thread message. */
  by?: string;
}

export interface RunControl {
  /** Publishes a stop for `runId`; resolves with how many processes received it. */
  cancel(runId: string, by?: string): Promise<number>;
  /** Calls `handler` for every control message from any process; resolves once subscribed. */
  subscribe(handler: (message: ControlMessage) => void): Promise<void>;
  /** Unsubscribes and closes the subscriber connection (the publisher is the caller's). */
  close(): Promise<void>;
}

/**
 * @param publisher a connection used to publish (shared; not closed here).
 * @param createSubscriber makes the dedicated subscriber connection, on first subscribe.
 */
export function createRunControl(publisher: Redis, prefix: string, createSubscriber: () => Redis): RunControl {
  const channel = `${prefix}:control`;
  let subscriber: Redis | undefined;
  const handlers: ((m: ControlMessage) => void)[] = [];
  return {
    async cancel(runId, by) {
      const message: ControlMessage = { type: 'cancel', runId, by };
      return await publisher.publish(channel, JSON.stringify(message));
    },
    async subscribe(handler) {
      handlers.push(handler);
      if (subscriber) return;
      subscriber = createSubscriber();
      subscriber.on('message', (ch: string, raw: string) => {
        if (ch !== channel) return;
        let msg: ControlMessage;
        try {
          msg = JSON.parse(raw) as ControlMessage;
        } catch {
          return;
        }
        if (msg?.type !== 'cancel' || typeof msg.runId !== 'string') return;
        for (const h of handlers) h(msg);
      });
      await subscriber.subscribe(channel);
    },
    async close() {
      handlers.length = 0;
      if (!subscriber) return;
      const s = subscriber;
      subscriber = undefined;
      try {
        await s.quit();
      } catch {
        s.disconnect();
      }
    },
  };
}
