import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { searchAttributeCliTypes } from '../config/search-attributes';
import { DYNAMIC_CONFIG, DYNAMIC_CONFIG_DEPLOY_PATH, dynamicConfigText, HISTORY_SHARDS, SERVER_GOGC, TEMPORAL_SERVER_VERSION } from '../infra/temporal-server-config';

const root = path.resolve(__dirname, '..');
const file = path.join(root, 'docker-compose.yml');
// Merge keys (<<) are how the API and worker share one definition.
const compose = parse(fs.readFileSync(file, 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: unknown; healthcheck?: unknown; environment?: Record<string, string>; command?: unknown; volumes?: string[] }>;
};

describe('docker-compose.yml, the production shape', () => {
  it('When parsed, then it has Temporal on PostgreSQL, its UI, the app database, API, worker and an SMTP relay', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['temporal-db', 'temporal', 'temporal-ui', 'app-db', 'api', 'worker', 'smtp-relay', 'migrate']));
    expect(compose.services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-db' });
    expect(compose.services.api.command).toEqual(['node', '--import', 'tsx', 'api/main.ts']);
    expect(compose.services.worker.command).toEqual(['node', '--import', 'tsx', 'worker/main.ts']);
  });

  it('When a long-running service is listed, then it has a healthcheck', () => {
    for (const name of ['temporal-db', 'temporal', 'temporal-ui', 'app-db', 'api', 'worker', 'smtp-relay']) {
      expect({ name, healthcheck: Boolean(compose.services[name].healthcheck) }).toEqual({ name, healthcheck: true });
    }
  });

  it('When secrets are needed, then they come from the environment, never from the file', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET/.test(key)) expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(/^\$\{[A-Z_]+/) });
      }
    }
    const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    expect(example).toMatch(/^LINK_SIGNING_SECRET=$/m);
  });

  it('When Temporal is set up, then every search attribute the workflows use is registered', () => {
    const setup = JSON.stringify(compose.services['temporal-setup'].command);
    for (const [name, type] of Object.entries(searchAttributeCliTypes())) expect(setup).toContain(`${name}=${type}`);
  });

  it('When the file needs a variable, then .env.example documents it', () => {
    const needed = new Set([...fs.readFileSync(file, 'utf8').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
    const documented = new Set([...fs.readFileSync(path.join(root, '.env.example'), 'utf8').matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    expect([...needed].filter((v) => !documented.has(v) && v !== 'ALLOWED_SENDER_DOMAINS')).toEqual([]);
  });

  it('When Temporal is deployed, then it is the release, shard count, collector target and dynamic config the local server and cluster run', () => {
    const temporal = compose.services.temporal;
    expect(temporal.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    expect(compose.services['temporal-setup'].image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
    expect(temporal.environment?.NUM_HISTORY_SHARDS).toBe(String(HISTORY_SHARDS));
    expect(temporal.environment?.GOGC).toBe(SERVER_GOGC);
    const mount = temporal.volumes?.find((v) => v.startsWith(`./${DYNAMIC_CONFIG_DEPLOY_PATH}:`));
    expect(mount).toBeDefined();
    expect(mount!.split(':')[1]).toBe(`/etc/temporal/${temporal.environment?.DYNAMIC_CONFIG_FILE_PATH}`);
    // Generated, never edited by hand: `npm run deploy:config` rewrites it.
    const committed = fs.readFileSync(path.join(root, DYNAMIC_CONFIG_DEPLOY_PATH), 'utf8');
    expect(committed).toBe(dynamicConfigText());
    expect(parse(committed)).toEqual(DYNAMIC_CONFIG);
  });

  it("When the Web UI decodes payloads, then it sends the operator's credentials to the codec endpoint", () => {
    expect(compose.services['temporal-ui'].environment).toMatchObject({ TEMPORAL_CODEC_ENDPOINT: expect.stringMatching(/\/codec$/), TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true' });
  });
});
