// Writes the Temporal dynamic config that docker-compose.yml mounts, from the same settings
// the local server, the cluster and the dev server use (infra/temporal-server-config.ts).
// test/docker-compose.test.ts fails when the committed file differs: re-run this.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../infra/paths';
import { DYNAMIC_CONFIG_DEPLOY_PATH, dynamicConfigText } from '../infra/temporal-server-config';

const file = path.join(projectRoot, DYNAMIC_CONFIG_DEPLOY_PATH);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, dynamicConfigText());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
