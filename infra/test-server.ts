import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from './paths';
import { MissingToolError } from './temporal-cli';
import { commandExists, run, timed } from './run';

/** Temporal's Java time-skipping test server, from Maven Central. */
export const TEST_SERVER_VERSION = '1.38.0';

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>carewatch.local</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

// The SDK kills its direct child on teardown, so the wrapper must become java (exec), and
// the server accepts only a port argument.
const WRAPPER = `#!/bin/sh
dir=$(dirname "$0")
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$dir/lib/*" io.temporal.testserver.TestServer "$1"
`;

/** Returns the path of an executable that starts the time-skipping server on a given port. */
export async function ensureTestServer(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = path.join(cacheDir(env), 'temporal-test-server', TEST_SERVER_VERSION);
  const wrapper = path.join(dir, 'test-server');
  const ready = path.join(dir, '.complete');
  if (fs.existsSync(ready) && fs.existsSync(wrapper)) return wrapper;
  if (!(await commandExists('mvn', ['-v']))) {
    throw new MissingToolError('Maven (mvn) and a Java 17+ runtime are needed for the time-skipping test server: apt-get install maven default-jre-headless');
  }
  if (!(await commandExists('java', ['-version']))) {
    throw new MissingToolError('A Java 17+ runtime is needed for the time-skipping test server: apt-get install default-jre-headless');
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'pom.xml'), POM);
  await timed(`fetching temporal-test-server ${TEST_SERVER_VERSION} from Maven Central (first run only)`, () =>
    run('mvn', ['-q', '-B', '-f', path.join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(dir, 'lib')}`], {
      prefix: '[mvn] ',
    }),
  );
  fs.writeFileSync(wrapper, WRAPPER, { mode: 0o755 });
  fs.writeFileSync(ready, new Date().toISOString());
  return wrapper;
}
