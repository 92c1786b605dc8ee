import { ensureGoTool, type GoTool } from './go-tool';

export { MissingToolError } from './go-tool';

/** The last CLI release whose module installs with `go install` (later tags use a replace directive). */
export const TEMPORAL_CLI_VERSION = '1.5.1';

export const TEMPORAL_CLI: GoTool = {
  label: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
  module: `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
  name: 'temporal-cli',
  version: TEMPORAL_CLI_VERSION,
  built: 'temporal',
  binary: 'temporal',
  estimate: '~4 min',
  override: 'TEMPORAL_CLI_PATH',
};

/**
 * Returns the path of a Temporal CLI binary (dev server + Web UI), building it from the Go
 * module proxy on first use. Returns null when Go is absent so the caller may fall back to
 * the SDK's own download, which needs the internet.
 */
export function ensureTemporalCli(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return ensureGoTool(TEMPORAL_CLI, env);
}

/** Search attributes the dev server must know before workflows can set them. */
export function searchAttributeArgs(attributes: Record<string, string>): string[] {
  return Object.entries(attributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}
