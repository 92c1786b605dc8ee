import request from 'supertest';
import { addDays, toDateString } from '../../workflows/working-days';
import { contacts, planContent } from '../helpers/plans';

type Headers = { authorization: string };

/** A plan recorded by the practitioner and put live by the manager through the API process. */
export async function livePlan(apiUrl: string, practitioner: Headers, manager: Headers): Promise<string> {
  const created = await request(apiUrl)
    .post('/plans')
    .set(practitioner)
    .send({
      content: planContent(),
      consent: { basis: 'given', capacityConfirmed: true },
      contacts,
      firstReviewDate: addDays(toDateString(Date.now()), 30),
      benefitRationale: 'On-going risk of financial abuse; the adult wants a plan',
    })
    .expect(201);
  await request(apiUrl).post(`/plans/${created.body.planId}/go-live`).set(manager).expect(200);
  return created.body.planId;
}
