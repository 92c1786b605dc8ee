import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../lib/db';
import { actorOf } from './actor';
import { AppError } from './errors';

const KEY = /^[\x21-\x7e]{8,200}$/;

/** JSON with sorted keys, so a retry whose client reordered fields is still the same request. */
const canonical = (value: unknown): string =>
  value === null || typeof value !== 'object'
    ? JSON.stringify(value ?? null)
    : Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
          .join(',')}}`;

/**
 * `Idempotency-Key` on a POST: the first request claims the key for its caller and its answer
 * is stored before it is sent; a retry with the same key and body gets that answer again (a
 * retried POST /visits creates one visit), the same key with another body is refused. Failed
 * requests release the key, so the caller may correct and retry.
 */
export function idempotency(db: Db): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (!KEY.test(key)) {
      throw new AppError(400, 'invalid_request', 'Invalid header: Idempotency-Key: 8 to 200 visible characters', [
        { field: 'Idempotency-Key', message: '8 to 200 visible characters' },
      ]);
    }
    const actorId = actorOf(req).id;
    const requestHash = createHash('sha256')
      .update(`${req.method} ${req.path}\n${canonical(req.body)}`)
      .digest('hex');
    const claimed = await db.idempotentRequest.createMany({ data: [{ actorId, key, method: req.method, path: req.path, requestHash }], skipDuplicates: true });
    if (claimed.count === 0) {
      const prior = await db.idempotentRequest.findUnique({ where: { actorId_key: { actorId, key } } });
      if (!prior || prior.requestHash !== requestHash) {
        throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key');
      }
      if (prior.status === null) throw new AppError(409, 'conflict', 'A request with this Idempotency-Key is still in progress; retry shortly');
      res.set('Idempotent-Replayed', 'true').status(prior.status).json(prior.response);
      return;
    }
    const where = { actorId_key: { actorId, key } };
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const done =
        res.statusCode < 300
          ? db.idempotentRequest.update({ where, data: { status: res.statusCode, response: body as Prisma.InputJsonValue } })
          : db.idempotentRequest.delete({ where });
      done.then(() => send(body), next);
      return res;
    };
    next();
  };
}
