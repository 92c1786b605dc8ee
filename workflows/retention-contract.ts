// The retention review's language, imported by the workflow, its activities, the worker's
// schedule and the API: no Temporal or Node imports.

/** The one schedule that runs the review; its workflow ids carry no personal data. */
export const RETENTION_SCHEDULE_ID = 'retention-review';

/** Years each record type is kept after it ends (configuration, passed in by the schedule). */
export interface RetentionPolicy {
  planYears: number;
  visitYears: number;
}

export interface RetentionRunResult {
  disposed: number;
  listed: number;
}
