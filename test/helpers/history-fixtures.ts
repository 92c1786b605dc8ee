import fs from 'node:fs';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { ENCRYPTED_ENCODING } from '../../lib/codec';
import { payloadCodec } from '../../lib/data-converter';
import { replayOptions, testPayloadKeys } from './temporal';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
const History = temporal.api.history.v1.History;
const utf8 = new TextDecoder();

const isEncrypted = (value: unknown): value is Payload => {
  const encoding = (value as Payload | null)?.metadata?.encoding;
  return !!encoding && encoding instanceof Uint8Array && utf8.decode(encoding) === ENCRYPTED_ENCODING;
};

/**
 * Decrypts every payload in place. Each test run generates its own payload keys, so a
 * fixture kept encrypted could never be read again; the codec passes clear payloads through.
 */
async function decryptPayloads(node: unknown, seen = new Set<unknown>()): Promise<void> {
  if (!node || typeof node !== 'object' || seen.has(node) || node instanceof Uint8Array) return;
  seen.add(node);
  const codec = payloadCodec(testPayloadKeys());
  for (const [key, value] of Object.entries(node)) {
    if (isEncrypted(value)) {
      const [clear] = await codec.decode([value]);
      (node as Record<string, unknown>)[key] = clear;
    } else if (Array.isArray(value) && value.some(isEncrypted)) {
      (node as Record<string, unknown>)[key] = await codec.decode(value as Payload[]);
    } else {
      await decryptPayloads(value, seen);
    }
  }
}

// Histories are kept as base64 protobuf inside JSON: the SDK's proto-JSON converter does not
// work inside jest's module sandbox, and the binary form round-trips exactly.
export async function saveHistoryFixture(file: string, workflowId: string, history: temporal.api.history.v1.IHistory, dir = FIXTURES): Promise<void> {
  const copy = History.decode(History.encode(history).finish());
  await decryptPayloads(copy);
  const encoded = Buffer.from(History.encode(copy).finish()).toString('base64');
  fs.writeFileSync(path.join(dir, file), `${JSON.stringify({ workflowId, format: 'temporal.api.history.v1.History protobuf, base64', history: encoded }, null, 2)}\n`);
}

export function loadHistoryFixture(file: string): { workflowId: string; history: temporal.api.history.v1.History } {
  const { workflowId, history } = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
  return { workflowId, history: History.decode(Buffer.from(history, 'base64')) };
}

export const fixturesStartingWith = (prefix: string) =>
  fs
    .readdirSync(FIXTURES)
    .filter((f) => f.startsWith(prefix))
    .sort();

/** Every stored history, by file name: each must replay on the code of today. */
export const historyFixtures = () => fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json') && f.includes('-history-'));

export const replay = (history: temporal.api.history.v1.IHistory, workflowId: string) => Worker.runReplayHistory(replayOptions(), history, workflowId);
