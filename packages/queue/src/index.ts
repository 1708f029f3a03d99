// @op-screen/queue: a run's training units on BullMQ workers, across processes and machines.
export { queueExecutor } from './coordinator.js';
export {
  type FoldJobData,
  type FoldJobProgress,
  type FoldJobResult,
  jobIdOf,
  QUEUE_NAME,
  queueSettings,
  runIdOf,
} from './jobs.js';
export { formatQueueStatus, type QueueStatus, queueStatus, type RunQueueStatus } from './status.js';
export { parseQueueUrl, type QueueTarget, redact } from './url.js';
export { runWorker, type WorkerOptions } from './worker.js';
