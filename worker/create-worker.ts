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
  tuning?: Partial<
    Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentLocalActivityExecutions'>
  >;
}

/**
 * Concurrent activities when unset (the SDK's default is 100): they wait on the database and
 * the SMTP relay's 5 pooled connections, so more in flight only queue there, inside their
 * start-to-close, and hold memory. README "Performance" has the figures.
 */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 40;

/**
 * Tuning from the worker's configuration; what is unset keeps the SDK's defaults, except
 * local activities: each one records a visit event, one statement on one of the pool's
 * connections, while the workflow task that asked for it is held open. With at most half
 * the pool's connections running them, the rest of the pool is left for activities, audited
 * reads and the audit chainer.
 */
export function workerTuning(config: WorkerConfig): CreateWorkerOptions['tuning'] {
  const tuning = {
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES ?? Math.max(1, Math.floor(config.WORKER_DB_POOL_SIZE / 2)),
  };
  return Object.fromEntries(Object.entries(tuning).filter(([, value]) => value !== undefined));
}

const WORKFLOWS = require.resolve('../workflows');

/**
 * How the workflow bundle is built, for the service and for the tests' prebuilt bundle alike,
 * so replay tests run what production runs. The workflow modules are evaluated once, in the
 * worker's shared V8 context, and shared by every run; otherwise the SDK evaluates them again
 * for each new run and each replay (every task of a visit evicted from the sticky cache), which
 * cost about 0.2 MiB per cached visit (README "Performance"). Sharing is safe only while no
 * module keeps state at module level: the SDK deep-freezes their exports, and
 * test/workflow-types.test.ts checks the rest.
 */
export const WORKFLOW_BUNDLE: { workflowsPath: string; preloadModules: string[] } = { workflowsPath: WORKFLOWS, preloadModules: [WORKFLOWS] };

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
      : { workflowsPath: WORKFLOW_BUNDLE.workflowsPath, bundlerOptions: { preloadModules: WORKFLOW_BUNDLE.preloadModules } }),
    shutdownGraceTime: '20 seconds',
    ...options.tuning,
  });
}
