/** Counters for benchmarks and tests (`control.stats()`). */
export interface Stats {
  /** Graph (/v1.0) requests received, including throttled ones. */
  requests: number;
  /** 429s served (quota and injected throttling). */
  throttled: number;
  /** Other injected failures served (5xx). */
  serverErrors: number;
  tokensIssued: number;
  notificationsDelivered: number;
  /** Given up after the retries. */
  notificationsFailed: number;
  /** Dropped because the endpoint was judged "dropping". */
  notificationsDropped: number;
  /** Batches held back 10 minutes because the endpoint was judged "slow". */
  notificationsDelayed: number;
  /** Swallowed by a `subscription_silent` fault. */
  notificationsSuppressed: number;
  deliveryRetries: number;
  lifecycleDelivered: number;
  lifecycleFailed: number;
}

export const newStats = (): Stats => ({
  requests: 0,
  throttled: 0,
  serverErrors: 0,
  tokensIssued: 0,
  notificationsDelivered: 0,
  notificationsFailed: 0,
  notificationsDropped: 0,
  notificationsDelayed: 0,
  notificationsSuppressed: 0,
  deliveryRetries: 0,
  lifecycleDelivered: 0,
  lifecycleFailed: 0,
});
