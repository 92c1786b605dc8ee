import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { replayOptions } from './temporal';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
const History = temporal.api.history.v1.History;

// Histories are kept as base64 protobuf inside JSON: the SDK's proto-JSON converter does not
// work inside jest's module sandbox, and the binary form round-trips exactly.
export function saveHistoryFixture(file: string, workflowId: string, history: temporal.api.history.v1.IHistory): void {
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
