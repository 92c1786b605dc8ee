import fs from 'node:fs';

// /proc reports CPU time in clock ticks; 100 per second on every Linux this runs on.
const TICKS_PER_SECOND = 100;

interface Sample {
  at: number;
  cpuSeconds: number;
  rssBytes: number;
}

export interface ProcessFigures {
  peakRssMiB: number;
  /** CPU time over wall time for the window; 100 = one core busy all the time. */
  avgCpuPct: number;
  /** The busiest sampling interval. */
  peakCpuPct: number;
  /** CPU time used in the window, to divide by the work done in it. */
  cpuSeconds: number;
}

function read(pid: number): Sample | null {
  try {
    // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { at: Date.now(), cpuSeconds: cpuTicks / TICKS_PER_SECOND, rssBytes: rssKiB * 1024 };
  } catch {
    return null;
  }
}

/** One sample of a group of processes: their CPU time and RSS added up (null when none is running). */
function readGroup(pids: number[]): Sample | null {
  const samples = pids.map(read).filter((s): s is Sample => s !== null);
  if (!samples.length) return null;
  return { at: Date.now(), cpuSeconds: samples.reduce((a, s) => a + s.cpuSeconds, 0), rssBytes: samples.reduce((a, s) => a + s.rssBytes, 0) };
}

/**
 * Samples RSS and CPU of named groups of processes (all worker processes, all Temporal
 * nodes) from /proc, and summarises any window of the run; a group's figures are its
 * processes' added up, so two workers at one core each show 200 %.
 */
export class ProcessSampler {
  private samples = new Map<string, Sample[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly groups: Record<string, number[]>,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.sampleAll();
    this.timer = setInterval(() => this.sampleAll(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sampleAll(): void {
    for (const [name, pids] of Object.entries(this.groups)) {
      const sample = readGroup(pids);
      if (!sample) continue;
      if (!this.samples.has(name)) this.samples.set(name, []);
      this.samples.get(name)!.push(sample);
    }
  }

  /** Figures per group between two instants (ms since the epoch). */
  window(from: number, to: number): Record<string, ProcessFigures> {
    this.sampleAll();
    const result: Record<string, ProcessFigures> = {};
    for (const [name, all] of this.samples) {
      // One sample before the window anchors its CPU time.
      const firstIndex = Math.max(0, all.findIndex((s) => s.at >= from) - 1);
      const inside = all.slice(firstIndex).filter((s) => s.at <= to + this.intervalMs);
      if (inside.length < 2) continue;
      const first = inside[0];
      const last = inside[inside.length - 1];
      let peakCpuPct = 0;
      for (let i = 1; i < inside.length; i++) {
        const pct = ((inside[i].cpuSeconds - inside[i - 1].cpuSeconds) / ((inside[i].at - inside[i - 1].at) / 1000)) * 100;
        peakCpuPct = Math.max(peakCpuPct, pct);
      }
      result[name] = {
        peakRssMiB: Math.round(Math.max(...inside.map((s) => s.rssBytes)) / 2 ** 20),
        avgCpuPct: Math.round(((last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000)) * 100),
        peakCpuPct: Math.round(peakCpuPct),
        cpuSeconds: Math.round((last.cpuSeconds - first.cpuSeconds) * 100) / 100,
      };
    }
    return result;
  }
}
