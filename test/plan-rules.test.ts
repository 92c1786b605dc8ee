import { decideCopy, type CopyRequest } from '../domain/plan/copies';
import { consentProblems, isLimitedToNecessaryMeasures } from '../domain/plan/consent';
import { endingProblems, type Ending } from '../domain/plan/ending';
import { measureProblems } from '../domain/plan/measures';
import { planOutcomeReport } from '../domain/plan/report';
import { reviewProblems } from '../domain/plan/reviews';
import type { Consent, Measure } from '../domain/plan/types';
import { initialState } from '../workflows/plan';
import type { PlanState } from '../workflows/plan-contract';
import { defaultPlanPolicy, resolvePlanPolicy } from '../workflows/plan-policy';
import { nextAlarm, owedAlarms } from '../workflows/plan-schedule';
import { addWorkingDays, isWorkingDay } from '../workflows/working-days';
import { DAY_MS, notifyTime, planContent, planInput, review, supervisedContact } from './helpers/plans';

const TODAY = '2026-03-02';
const plan = planContent();
const given: Consent = { basis: 'given', capacityConfirmed: true };
const allegedAsked = { adultExpresslyRequested: true, managerAgreed: true, safeguards: 'Copy posted, not handed over; no contact details shown', policeInvestigating: false };

describe('Consent caveats', () => {
  it('When consent is given, then the plan is not limited and nothing is missing', () => {
    expect(consentProblems(given)).toEqual([]);
    expect(isLimitedToNecessaryMeasures(given)).toBe(false);
  });

  it('When the adult lacks capacity, then the capacity assessment and best-interests rationale are required and the plan is limited', () => {
    const consent: Consent = { basis: 'lacks_capacity_best_interests', capacityAssessmentRef: '', bestInterestsRationale: '' };
    expect(consentProblems(consent)).toHaveLength(2);
    expect(consentProblems({ ...consent, capacityAssessmentRef: 'MCA-1', bestInterestsRationale: 'Cannot weigh risk' })).toEqual([]);
    expect(isLimitedToNecessaryMeasures(consent)).toBe(true);
  });

  it.each<Consent>([
    { basis: 'others_at_risk', atRisk: 'child', rationale: '' },
    { basis: 'coercion_or_undue_influence', rationale: ' ' },
  ])('When the $basis caveat has no rationale, then it is refused', (consent) => {
    expect(consentProblems(consent)[0]).toContain('rationale');
    expect(isLimitedToNecessaryMeasures(consent)).toBe(true);
  });
});

describe('Restrictive measures', () => {
  const oneToOne: Measure = {
    id: 'm9',
    kind: 'proactive',
    type: 'one_to_one',
    description: 'One-to-one support',
    legalAdvice: { reference: 'L-1', summary: 'ok', advisedOn: TODAY },
    oneToOne: { lessRestrictiveOptionsExplored: 'Day centre', howItReducesRisk: 'Supervised outings', timeLimit: '2026-05-01', stepDownIntent: 'Halve hours after review' },
  };

  it('When a restrictive measure has no legal advice, then the plan cannot go live; with advice it can', () => {
    expect(measureProblems([supervisedContact], TODAY)).toEqual(['measure m3 (supervise_contact) needs recorded legal advice before the plan goes live']);
    expect(measureProblems([{ ...supervisedContact, legalAdvice: { reference: 'L', summary: 's', advisedOn: TODAY } }], TODAY)).toEqual([]);
  });

  it('When one-to-one support lacks its justification, time limit or step-down intent, then each gap is named', () => {
    expect(measureProblems([oneToOne], TODAY)).toEqual([]);
    expect(measureProblems([{ ...oneToOne, oneToOne: undefined }], TODAY)[0]).toContain('less restrictive options explored');
    const gaps = measureProblems([{ ...oneToOne, oneToOne: { lessRestrictiveOptionsExplored: '', howItReducesRisk: '', timeLimit: TODAY, stepDownIntent: '' } }], TODAY);
    expect(gaps).toHaveLength(4);
  });
});

describe('Review outcomes', () => {
  it.each(['continue_unchanged', 'amend_more_effective', 'amend_less_restrictive', 'continue_further_enquiries', 'end', 'supplementary_action'] as const)(
    'When a complete %s review is recorded, then it is accepted',
    (outcome) => {
      expect(reviewProblems(review(outcome, TODAY), plan, TODAY)).toEqual([]);
    },
  );

  it('When a review has no rationale or adult views, then both are required', () => {
    expect(reviewProblems(review('continue_unchanged', TODAY, { rationale: '', adultViews: '' }), plan, TODAY)).toEqual([
      'the rationale must be recorded',
      "the adult's views must be recorded",
    ]);
  });

  it('When the next review date is missing or past, or set on ending, then it is refused', () => {
    expect(reviewProblems(review('continue_unchanged', TODAY, { nextReviewDate: '2026-03-01' }), plan, TODAY)).toEqual(['the next review date cannot be in the past']);
    expect(reviewProblems(review('end', TODAY, { nextReviewDate: '2026-04-01' }), plan, TODAY)).toEqual(['an ended plan has no next review']);
  });

  it('When an amendment for a less restrictive strategy adds a restrictive measure, then it is refused', () => {
    const amended = [...plan.measures, { ...supervisedContact, legalAdvice: { reference: 'L', summary: 's', advisedOn: TODAY } }];
    expect(reviewProblems(review('amend_less_restrictive', TODAY, { amendedMeasures: amended }), plan, TODAY)).toEqual([
      'a less restrictive strategy cannot add restrictive measures',
    ]);
  });

  it('When the outcome needs its detail (enquiries, supplementary actions), then the detail is required', () => {
    expect(reviewProblems(review('continue_further_enquiries', TODAY, { furtherEnquiries: '' }), plan, TODAY)).toEqual(['the further enquiries must be described']);
    expect(reviewProblems(review('supplementary_action', TODAY, { supplementaryActions: [] }), plan, TODAY)[0]).toContain('supplementary action');
  });

  it('When the person alleged to have caused harm takes part in a review, then the copy rule decides it too', () => {
    const withAlleged = review('continue_unchanged', TODAY, { participants: [{ name: 'Nephew', role: 'alleged_person' }] });
    expect(reviewProblems(withAlleged, plan, TODAY)[0]).toContain('expressly asked');
    expect(reviewProblems({ ...withAlleged, allegedPersonInvolvement: allegedAsked }, plan, TODAY)).toEqual([]);
    expect(reviewProblems({ ...withAlleged, allegedPersonInvolvement: { ...allegedAsked, policeInvestigating: true } }, plan, TODAY)[0]).toContain('police');
  });
});

describe('Ending a plan', () => {
  const ending: Ending = review('end', TODAY).ending!;

  it('When the ground is not one of the three, then it is refused', () => {
    expect(endingProblems({ ...ending, ground: 'moved_away' as never }, plan.adult)[0]).toContain('a plan ends only when');
  });

  it('When the risk is managed through other means without a care and support plan reference, then it is refused', () => {
    expect(endingProblems({ ...ending, ground: 'managed_through_other_means', risk: 'reduced' }, plan.adult)).toEqual([
      'the care and support plan that now holds the strategies must be referenced',
    ]);
    expect(endingProblems({ ...ending, ground: 'managed_through_other_means', risk: 'reduced', carePlanRef: 'CSP-1' }, plan.adult)).toEqual([]);
  });

  it('When the adult declines without confirmed capacity, or risks "no longer exist" but remain, then it is refused', () => {
    expect(endingProblems({ ...ending, ground: 'adult_has_capacity_and_declines', risk: 'remains' }, plan.adult)[0]).toContain('capacity');
    expect(endingProblems({ ...ending, risk: 'remains' }, plan.adult)[0]).toContain('cannot both');
  });

  it('When a desired outcome is not marked, then it is refused', () => {
    expect(endingProblems({ ...ending, outcomes: [] }, plan.adult)).toEqual(['desired outcome o1 must be marked achieved fully, partially or not']);
  });
});

describe('Copies of the plan', () => {
  const copy = (request: Partial<CopyRequest> & Pick<CopyRequest, 'recipient'>, consent: Consent = given) => decideCopy({ adultRequested: false, ...request }, plan, consent);
  const managerView = { wouldRaiseRisk: true, omitItemIds: [] as string[], rationale: 'The nephew reads her post' };

  it('When nothing is recorded against it, then the adult receives a full copy', () => {
    expect(copy({ recipient: { kind: 'adult' } })).toMatchObject({ outcome: 'full', omittedItemIds: [] });
  });

  it('When the manager records a copy would raise the risk, then the adult gets none, or one without the named items', () => {
    expect(copy({ recipient: { kind: 'adult' }, manager: managerView }).outcome).toBe('refused');
    expect(copy({ recipient: { kind: 'adult' }, manager: { ...managerView, omitItemIds: ['m2'] } })).toMatchObject({ outcome: 'partial', omittedItemIds: ['m2'] });
  });

  it('When the adult asks for a friend to have a copy, then they get one; unasked, they do not', () => {
    const friend = { kind: 'requested_by_adult' as const, name: 'Jo', relationship: 'friend' };
    expect(copy({ recipient: friend, adultRequested: true }).outcome).toBe('full');
    expect(copy({ recipient: friend }).outcome).toBe('refused');
  });

  it('When an agency carries out actions, then it gets the plan with consent or in best interests, otherwise only its own actions', () => {
    const bank = { kind: 'agency' as const, name: 'Community Bank' };
    expect(copy({ recipient: bank }).outcome).toBe('full');
    expect(copy({ recipient: bank }, { basis: 'lacks_capacity_best_interests', capacityAssessmentRef: 'MCA', bestInterestsRationale: 'x' }).outcome).toBe('full');
    expect(copy({ recipient: bank }, { basis: 'coercion_or_undue_influence', rationale: 'x' })).toMatchObject({ outcome: 'partial', omittedItemIds: ['r1', 'm1', 'm2'] });
    expect(copy({ recipient: { kind: 'agency', name: 'Unrelated Ltd' } }).outcome).toBe('refused');
  });

  describe('the person alleged to have caused harm', () => {
    const nephew = { kind: 'alleged_person' as const, name: 'Nephew' };

    it('When the adult has not expressly asked, then no copy', () => {
      expect(copy({ recipient: nephew, allegedPerson: { ...allegedAsked, adultExpresslyRequested: false } })).toMatchObject({
        outcome: 'refused',
        reasons: ['the adult has not expressly asked for the person alleged to have caused harm to be involved'],
      });
    });

    it('When the adult asked but the manager did not agree, then no copy', () => {
      expect(copy({ recipient: nephew, allegedPerson: { ...allegedAsked, managerAgreed: false } })).toMatchObject({
        outcome: 'refused',
        reasons: ['the investigating team manager has not agreed'],
      });
    });

    it('When the adult asked and the manager agreed with safeguards recorded, then a copy is given', () => {
      expect(copy({ recipient: nephew, allegedPerson: allegedAsked }).outcome).toBe('full');
      expect(copy({ recipient: nephew, allegedPerson: { ...allegedAsked, safeguards: '' } }).reasons).toEqual([
        'no safeguards are recorded against undue influence or jeopardising the plan',
      ]);
    });

    it('When the police are investigating them, then no copy whatever was agreed', () => {
      expect(copy({ recipient: nephew, allegedPerson: { ...allegedAsked, policeInvestigating: true } })).toMatchObject({
        outcome: 'refused',
        reasons: ['the police are investigating the person alleged to have caused harm: they are excluded'],
      });
    });
  });
});

describe('Working days', () => {
  it('When counting working days, then weekends and configured non-working dates are skipped', () => {
    // 2026-12-24 is a Thursday; 25th and 28th are configured bank holidays.
    expect(isWorkingDay('2026-12-26', [])).toBe(false);
    expect(addWorkingDays('2026-12-24', 1, ['2026-12-25', '2026-12-28'])).toBe('2026-12-29');
    expect(addWorkingDays('2026-12-24', 5, [])).toBe('2026-12-31');
  });
});

describe('The reminder timetable', () => {
  const state = (overrides: Partial<PlanState> = {}): PlanState => ({
    ...initialState(planInput(Date.parse('2026-03-01T12:00:00Z'), { content: { ...plan, actions: [] } })),
    status: 'live',
    review: { number: 1, dueDate: '2026-04-01', revision: 0, setAtMs: Date.parse('2026-03-01T12:00:00Z') },
    ...overrides,
  });

  it('When a review is set, then the timetable is 14 and 2 days before, the day, then the overdue ladder', () => {
    const due = notifyTime('2026-04-01');
    expect(owedAlarms(state(), defaultPlanPolicy).map((a) => [a.key, (a.atMs - due) / DAY_MS, a.to])).toEqual([
      ['review-1.0:remind-14d', -14, 'leadPractitioner'],
      ['review-1.0:remind-2d', -2, 'leadPractitioner'],
      ['review-1.0:due', 0, 'manager'],
      ['review-1.0:overdue:step-1', 1, 'manager'],
    ]);
  });

  it('When overdue steps were sent, then the lead is next and the last step repeats every N days', () => {
    const due = notifyTime('2026-04-01');
    const sent = ['review-1.0:remind-14d', 'review-1.0:remind-2d', 'review-1.0:due', 'review-1.0:overdue:step-1'];
    const second = nextAlarm(state({ sent }), defaultPlanPolicy)!;
    expect([second.to, (second.atMs - due) / DAY_MS]).toEqual(['safeguardingLead', 3]);
    const third = nextAlarm(state({ sent: [...sent, second.key] }), resolvePlanPolicy({ overdueRepeatEveryDays: 5 }))!;
    expect([third.key, third.to, (third.atMs - due) / DAY_MS]).toEqual(['review-1.0:overdue:step-3', 'safeguardingLead', 8]);
  });

  it('When the review date is set less than 14 days ahead, then the 14-day reminder is not sent late', () => {
    const s = state({ review: { number: 2, dueDate: '2026-03-10', revision: 0, setAtMs: Date.parse('2026-03-01T12:00:00Z') } });
    expect(nextAlarm(s, defaultPlanPolicy)?.key).toBe('review-2.0:remind-2d');
  });

  it('When a plan is a draft or ended, then nothing is owed', () => {
    expect(owedAlarms(state({ status: 'draft' }), defaultPlanPolicy)).toEqual([]);
    expect(nextAlarm(state({ status: 'ended' }), defaultPlanPolicy)).toBeNull();
  });
});

describe('The outcome report', () => {
  it('When counts are below five, then they are suppressed; zero and five or more are shown', () => {
    const ended = (achieved: 'fully' | 'partially' | 'not', risk: string) => ({
      consentBasis: 'given',
      endingGround: 'risks_no_longer_exist',
      riskOutcome: risk,
      outcomesAchieved: [{ achieved }],
    });
    const report = planOutcomeReport([...Array(5).fill(ended('fully', 'removed')), ended('not', 'remains'), { ...ended('fully', 'reduced'), outcomesAchieved: [] }]);
    expect(report).toMatchObject({
      plansEnded: 7,
      outcomesExpressed: { yes: 6, no: '<5' },
      outcomesAchieved: { fully: 5, partially: 0, not: '<5' },
      risk: { removed: 5, reduced: '<5', remains: '<5' },
      consentBasis: { given: 7 },
    });
  });
});
