import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { Payload } from '@temporalio/common';
import { payloadCodec } from '../../lib/data-converter';
import { replayOptions, testPayloadKeys } from './temporal';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
const History = temporal.api.history.v1.History;

const isPayload = (node: object): node is Payload => 'metadata' in node && 'data' in node && (node as Payload).data instanceof Uint8Array;

/** Every payload in a history, decrypted in place: each test run has keys of its own. */
async function decrypt(node: unknown): Promise<void> {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return;
  if (isPayload(node)) {
    Object.assign(node, (await payloadCodec(testPayloadKeys()).decode([node]))[0]);
    return;
  }
  for (const value of Object.values(node)) await decrypt(value);
}

// Histories are kept as base64 protobuf inside JSON: the SDK's proto-JSON converter does not
// work inside jest's module sandbox, and the binary form round-trips exactly.
export async function saveHistoryFixture(file: string, workflowId: string, history: temporal.api.history.v1.IHistory): Promise<void> {
  await decrypt(history);
  const encoded = Buffer.from(History.encode(history).finish()).toString('base64');
  fs.writeFileSync(path.join(FIXTURES, file), `${JSON.stringify({ workflowId, format: 'temporal.api.history.v1.History protobuf, base64', history: encoded }, null, 2)}\n`);
}

export function loadHistoryFixture(file: string): { workflowId: string; history: temporal.api.history.v1.History } {
  const { workflowId, history } = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
  return { workflowId, history: History.decode(Buffer.from(history, 'base64')) };
}

/** Every stored history, by file name: each must replay on the code of today. */
export const historyFixtures = () => fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json') && f.includes('-history-'));

export const replay = (history: temporal.api.history.v1.IHistory, workflowId: string) => Worker.runReplayHistory(replayOptions(), history, workflowId);
