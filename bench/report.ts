import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Row = [scenario: string, figure: string, value: string | number, target?: string];

const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isFinite(v) ? String(Math.round(v * 10) / 10) : 'n/a') : v);

/** The one table the bench prints (Markdown, so it can go straight into the README). */
export function table(rows: Row[]): string {
  const lines = ['| scenario | figure | value | target |', '| --- | --- | --- | --- |'];
  for (const [scenario, figure, value, target] of rows) lines.push(`| ${scenario} | ${figure} | ${fmt(value)} | ${target ?? ''} |`);
  return lines.join('\n');
}

/**
 * One table with a value column per run (one per backend): rows are joined by scenario and
 * figure in the order first seen; a figure a run lacks is left blank.
 */
export function columnsTable(columns: Record<string, Row[]>): string {
  const names = Object.keys(columns);
  const joined = new Map<string, { scenario: string; figure: string; target?: string; values: Map<string, string | number> }>();
  for (const [name, rows] of Object.entries(columns)) {
    for (const [scenario, figure, value, target] of rows) {
      const key = `${scenario}\u0000${figure}`;
      if (!joined.has(key)) joined.set(key, { scenario, figure, target, values: new Map() });
      const row = joined.get(key)!;
      row.target ??= target;
      row.values.set(name, value);
    }
  }
  const lines = [`| scenario | figure | ${names.join(' | ')} | target |`, `| --- | --- | ${names.map(() => '---').join(' | ')} | --- |`];
  for (const { scenario, figure, target, values } of joined.values()) {
    lines.push(`| ${scenario} | ${figure} | ${names.map((n) => (values.has(n) ? fmt(values.get(n)!) : '')).join(' | ')} | ${target ?? ''} |`);
  }
  return lines.join('\n');
}

export function machine() {
  return {
    // The cores this run may use: `taskset` narrows them, to measure what a core buys.
    cores: os.availableParallelism(),
    machineCores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Writes the figures as JSON under bench/results/ and returns the file's path. */
export function saveResults(name: string, figures: unknown): string {
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  return file;
}
