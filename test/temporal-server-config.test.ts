import { parse } from 'yaml';
import { derivedNodePorts } from '../infra/temporal-backend';
import {
  consecutivePorts,
  DYNAMIC_CONFIG,
  dynamicConfigArgs,
  dynamicConfigText,
  HISTORY_SHARDS,
  SERVER_GOGC,
  serverConfig,
  serverProcessEnv,
} from '../infra/temporal-server-config';

const db = { host: '127.0.0.1', port: 5433, user: 'carewatch', password: 'carewatch' };

describe("The real Temporal server's generated configuration", () => {
  it('When npm start lays out a cluster from TEMPORAL_PORT, then no two ports meet and the balancer keeps TEMPORAL_PORT', () => {
    const nodes = derivedNodePorts('cluster', 7233);
    const all = nodes.flatMap((n) => Object.values(n));
    expect(new Set([...all, 7233, 8233]).size).toBe(all.length + 2);
    expect(derivedNodePorts('server', 7233)[0].frontend).toBe(7233);
  });

  it('When a node is configured, then it is on PostgreSQL with the shared shard count, its own ports and the balancer as public address', () => {
    const ports = consecutivePorts(7243);
    const config = serverConfig({ db, ports, publicAddress: '127.0.0.1:7233', dynamicConfigFile: '/tmp/dc.yaml' }) as {
      persistence: { numHistoryShards: number; datastores: Record<string, { sql: Record<string, unknown> }> };
      services: Record<string, { rpc: Record<string, unknown> }>;
      publicClient: { hostPort: string };
    };
    expect(config.persistence.numHistoryShards).toBe(HISTORY_SHARDS);
    expect(config.persistence.datastores['postgres-default'].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal', connectAddr: '127.0.0.1:5433' });
    expect(config.services.history.rpc).toMatchObject({ grpcPort: ports.history, membershipPort: ports.historyMembership });
    expect(config.publicClient.hostPort).toBe('127.0.0.1:7233');
  });

  it("When a membership port would not fit Temporal's smallint column, then the config is refused naming it", () => {
    expect(() => serverConfig({ db, ports: consecutivePorts(40_000), publicAddress: '127.0.0.1:40000', dynamicConfigFile: '/tmp/dc.yaml' })).toThrow(
      /frontendMembership 40004.*at most 32767/,
    );
  });

  it("When a server process starts, then it gets the collector target unless the operator's environment sets one", () => {
    expect(serverProcessEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin', GOGC: SERVER_GOGC });
    expect(serverProcessEnv({ PATH: '/bin', GOGC: '150' })).toEqual({ PATH: '/bin', GOGC: '150' });
  });

  it('When the dynamic config is written or passed to the dev server, then both carry the same settings', () => {
    expect(parse(dynamicConfigText())).toEqual(DYNAMIC_CONFIG);
    const args = dynamicConfigArgs();
    expect(args).toContain('matching.longPollExpirationInterval="10s"');
    expect(args.filter((a) => a === '--dynamic-config-value')).toHaveLength(Object.keys(DYNAMIC_CONFIG).length);
  });
});
