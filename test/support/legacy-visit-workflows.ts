// The worker bundle as it was before 'visit-v2': the same workflow type running the frozen
// legacy code, so a test can start a visit "before the deploy".
export { legacyVisitWorkflow as visitWorkflow } from '../../workflows/visit-legacy';
