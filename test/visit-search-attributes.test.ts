import { SA } from '../config/search-attributes';
import { visitStartOptions } from '../workflows/visit-contract';
import { eventually } from './helpers/eventually';
import { connectDevServer, createTestWorker, serversSuite } from './helpers/temporal';
import { MIN, visitInput } from './helpers/visits';

describe("A visit's search attributes (dev server, PostgreSQL)", () => {
  const suite = serversSuite(connectDevServer);

  it('When its starter indexed it with a state the visit does not decide, then its first workflow task writes what the visit decided, and only that', async () => {
    const { env, harness } = suite;
    const worker = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
    const running = worker.run();
    try {
      // A starter whose clock runs 20 minutes ahead: to it the planned start has passed, so it indexes the visit as open;
      // the visit's clock starts at its first task, before the planned start, so the visit is scheduled.
      const startMs = Date.now();
      const { input } = visitInput({ startMs, risk: 'medium', searchAttributes: true, plannedStartAt: new Date(startMs + 10 * MIN).toISOString() });
      const options = visitStartOptions({ ...input, requestedAt: new Date(startMs + 20 * MIN).toISOString() });
      expect(options.typedSearchAttributes?.find((p) => p.key.name === SA.status.name)?.value).toBe('open');

      const handle = await env.client.workflow.start('visitWorkflowV3', { ...options, taskQueue: harness.taskQueue });
      const upserts = await eventually(async () => {
        const found = (await handle.fetchHistory()).events?.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes) ?? [];
        return found.length > 0 && found;
      }, 15_000);
      expect(upserts.map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!).sort())).toEqual([
        ['CareEscalationLevel', 'CareNextDeadline', 'CareStatus'],
      ]);
      const indexed = (await handle.describe()).typedSearchAttributes;
      expect([SA.kind, SA.team, SA.status, SA.escalationLevel].map((key) => indexed.get(key))).toEqual(['visit', 'north', 'scheduled', 0]);
      expect(indexed.get(SA.nextDeadline)?.toISOString()).toBe(input.eta);
      await handle.terminate('test over');
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
