import { Prisma } from '../generated/prisma/client';
import type { Db } from '../lib/db';
import type { RequestActivities } from './contract';

/** Writes a request's answer where its caller waits for it; a row the API never wrote (a request sent by hand) is made. */
export function createRequestActivities({ db }: { db: Db }): RequestActivities {
  return {
    async answerRequest(answer) {
      const data = {
        status: answer.status,
        result: answer.status === 'done' && answer.result != null ? (answer.result as Prisma.InputJsonValue) : Prisma.JsonNull,
        failureType: answer.status === 'refused' ? answer.failureType : null,
        message: answer.status === 'refused' ? answer.message : null,
        answeredAt: new Date(),
      };
      await db.workflowRequest.upsert({
        where: { id: answer.requestId },
        create: { id: answer.requestId, workflowId: answer.workflowId, name: 'unknown', ...data },
        update: data,
      });
    },
  };
}
