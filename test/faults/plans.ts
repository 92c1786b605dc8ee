// The fault tests' live plan is the API tests' own.
export { livePlanThroughApi as livePlan } from '../helpers/plans';
