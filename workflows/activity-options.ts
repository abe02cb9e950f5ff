// Named timeout and retry presets for proxyActivities.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

export const presets = {
  /** Short database work: compare-and-set state changes, history rows. */
  db: {
    startToCloseTimeout: '60 seconds',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 20 },
  },
  /**
   * Short database work as a local activity (run by the workflow's worker in its workflow task:
   * no round trip through the task queues). Retried locally; a dead worker's task is retried
   * by the next, which runs it again (each is a compare-and-set).
   */
  dbLocal: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 20 },
  },
  /** One BMC call: the IPMI client retries datagrams itself; Temporal retries whole calls a few times. */
  bmcCall: {
    startToCloseTimeout: '60 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 5 },
  },
  /** Reading a BMC to see it answers (adopt): one retry; the IPMI client already retries each datagram for 15 s. */
  bmcProbe: {
    startToCloseTimeout: '60 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 2 },
  },
  /** Polling a BMC until it reports a state (heartbeats each read). */
  bmcWait: {
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 5 },
  },
  /** Image download/conversion and the iSCSI write: long, heartbeating, resumable. */
  imageTransfer: {
    startToCloseTimeout: '2 hours',
    // How long a dead worker holds a transfer before another resumes it from the last heartbeat.
    heartbeatTimeout: '60 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
  },
  /** One power-sync batch: many BMCs read concurrently. */
  powerSync: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumAttempts: 2 },
  },
} satisfies Record<string, ActivityOptions | LocalActivityOptions>;
