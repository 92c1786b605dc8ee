// The worker's workflow bundle: every workflow type is exported from here.
export { scheduledNoticeWorkflow } from './scheduled-notice';
export { currentVisitWorkflow, visitWorkflow, visitWorkflowV3 } from './visit';
export { planWorkflow } from './plan';
export { declinedSupportWorkflow } from './declined-support';
export { disagreementWorkflow } from './disagreement';
export { retentionReviewWorkflow } from './retention-review';
