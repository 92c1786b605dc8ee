import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { WorkerConfig } from '../config/env';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** From lib/data-converter.ts: payloads are encrypted before they leave the worker. */
  dataConverter: DataConverter;
  /** A pre-built bundle (tests build once per run); otherwise the worker bundles at start. */
  workflowBundlePath?: string;
  tuning?: Partial<Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentLocalActivityExecutions'>>;
}

/** Tuning from the worker's configuration; what is unset keeps the SDK's defaults. */
export function workerTuning(config: WorkerConfig): CreateWorkerOptions['tuning'] {
  const tuning = {
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
  };
  return Object.fromEntries(Object.entries(tuning).filter(([, value]) => value !== undefined));
}

/** The one place that decides how a worker is assembled, for the service and for tests alike. */
export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    shutdownGraceTime: '20 seconds',
    ...options.tuning,
  });
}
