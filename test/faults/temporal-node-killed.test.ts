import { Client as PgClient } from 'pg';
import type { ServerNode } from '../../infra/temporal-server';
import { TEMPORAL_DATABASES } from '../../infra/temporal-server-config';
import { report, useStack, type Stack } from '../helpers/processes';
import { ladderThroughFault, STEP_MS } from './ladder';

const stackOf = useStack({ temporal: 'cluster' });

/** The node whose history service owns the shard of the workflow (read from Temporal's own tables). */
async function shardOwner(stack: Stack, databaseUrl: string, workflowId: string): Promise<{ node: ServerNode; shard: number }> {
  const pg = new PgClient({ connectionString: databaseUrl.replace(/\/[^/]*$/, `/${TEMPORAL_DATABASES.default}`) });
  await pg.connect();
  try {
    const shard = (await pg.query('SELECT shard_id FROM executions WHERE workflow_id = $1', [workflowId])).rows[0].shard_id as number;
    // The shard record names its owner's history address in its (protobuf) data.
    const data = (await pg.query('SELECT data FROM shards WHERE shard_id = $1', [shard])).rows[0].data as Buffer;
    const node = stack.temporalNodes.find((n) => data.includes(`:${n.ports.history}`));
    if (!node) throw new Error(`no node owns shard ${shard}`);
    return { node, shard };
  } finally {
    await pg.end();
  }
}

test("When the Temporal node that owns a visit's shard is SIGKILLed mid-ladder, the other node takes the shard and every alert is still sent exactly once", async () => {
  const stack = stackOf();
  expect(stack.temporalNodes).toHaveLength(2);
  let killed: { node: ServerNode; shard: number } | undefined;
  const run = await ladderThroughFault(stack, async (visit) => {
    killed = await shardOwner(stack, stack.temporalDatabaseUrl!, visit.handle.workflowId);
    const downAt = Date.now();
    await killed.node.stop('SIGKILL');
    return { downAt, upAt: downAt };
  });
  // Shard takeover: the survivor notices the member is gone, then acquires its shards.
  expect(run.lateMs).toBeLessThan(45_000);
  const survivor = stack.temporalNodes.find((n) => n !== killed!.node)!;
  expect(survivor.running()).toBe(true);
  report(
    `Temporal node SIGKILL (${killed!.node.name}, owner of shard ${killed!.shard}) mid-ladder in a two-node cluster: first alert due after the kill arrived ${(run.lateMs / 1000).toFixed(1)} s late; ` +
      `gaps ${run.gaps.map((g) => (g / 1000).toFixed(1)).join('/')} s for ${STEP_MS / 1000} s steps; ${run.deliveries.length} deliveries, each exactly once`,
  );
  // The killed node rejoins the ring: the cluster is whole again for the next test file.
  await killed!.node.start();
});
