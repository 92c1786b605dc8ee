import { z } from 'zod';
import { CONTACT_OUTCOMES, CONVERSION_REASONS } from '../../domain/msp/declined-support';
import { WITHOUT_CONSENT_GROUNDS } from '../../domain/msp/without-consent';
import { registry } from '../openapi/registry';
import { id, retryId, staffContact, text } from './common';

export const CreateDeclinedSupportBody = registry.register(
  'DeclinedSupport',
  z.object({
    caseId: retryId,
    leadPractitioner: z.object(staffContact),
    refusal: z.object({
      declined: text().openapi({ description: 'The plan or intervention the adult declined' }),
      optionsExplained: text(),
      implicationsExplained: text(),
      coercionConsidered: z.literal(true).openapi({ description: 'Coercion or undue influence must have been considered before a refusal is accepted' }),
      coercionNotes: text().openapi({ description: 'What that consideration found' }),
      adultViews: text(),
    }),
    policy: z
      .object({ followUpEveryDays: z.number().int().min(1).max(180), followUpCount: z.number().int().min(0).max(24) })
      .partial()
      .strict()
      .optional(),
  }),
);
export const ContactBody = z.object({ outcome: z.enum(CONTACT_OUTCOMES), note: text() });
export const ConvertBody = z.object({ reason: z.enum(CONVERSION_REASONS), planId: z.uuid(), note: text() });
export const CloseBody = z.object({ rationale: text() });
export const CaseParams = z.object({ caseId: z.uuid() });

/** Every ground-specific fact is required where it applies, so the 400 names the missing field. */
export const ActionWithoutConsentBody = registry.register(
  'ActionWithoutConsent',
  z
    .object({
      subject: z.object({ type: z.enum(['plan', 'declined_support']), id: z.uuid() }),
      action: text(),
      ground: z.enum(WITHOUT_CONSENT_GROUNDS).openapi({ description: 'Without one of these grounds the action is refused' }),
      rationale: text(),
      adultTold: z.boolean(),
      adultToldAt: z.iso.datetime().optional(),
      notToldReason: text().optional(),
      crimeAlleged: z.boolean(),
      supportToReport: text().optional().openapi({ description: 'Support offered to the adult to report the crime, when one is alleged' }),
    })
    .superRefine((b, ctx) => {
      if (b.adultTold && !b.adultToldAt) ctx.addIssue({ code: 'custom', path: ['adultToldAt'], message: 'when the adult was told must be recorded' });
      if (!b.adultTold && !b.notToldReason) ctx.addIssue({ code: 'custom', path: ['notToldReason'], message: 'why the adult has not been told must be recorded' });
      if ((b.crimeAlleged || b.ground === 'serious_crime') && !b.supportToReport) {
        ctx.addIssue({ code: 'custom', path: ['supportToReport'], message: 'the support offered to report the crime must be recorded' });
      }
    }),
);
export const ActionsQuery = z.object({ subjectType: z.enum(['plan', 'declined_support']), subjectId: z.uuid() });

export const DeputyBody = registry.register(
  'ManagerDeputy',
  z
    .object({ managerEmail: z.email().max(200), deputyId: id, deputyEmail: z.email().max(200), from: z.iso.datetime(), until: z.iso.datetime(), reason: text() })
    .refine((b) => b.from < b.until, { path: ['until'], message: 'must be after from' }),
);

export const DisagreementBody = registry.register(
  'Disagreement',
  z.object({
    decisionRef: text(200).openapi({ description: 'The plan decision disagreed with: its id or a description' }),
    what: text(),
    why: text(),
    evidence: text(),
    policy: z
      .object({ responseWorkingDays: z.number().int().min(1).max(20), escalateEveryDays: z.number().int().min(1).max(30) })
      .partial()
      .strict()
      .optional(),
  }),
);
export const DisagreementResponseBody = z.object({ finalDecision: text(), rationale: text() });
export const DisagreementParams = z.object({ disagreementId: z.uuid() });
export const PlanIdParams = z.object({ planId: z.uuid() });
