import { loadHistoryFixture } from './test/helpers/history-fixtures';
const { history } = loadHistoryFixture(process.argv[2]);
const names: Record<number, string> = { 1: 'Started', 5: 'WFTScheduled', 6: 'WFTStarted', 7: 'WFTCompleted', 10: 'ActScheduled', 11: 'ActStarted', 12: 'ActCompleted', 17: 'TimerStarted', 18: 'TimerFired', 19: 'TimerCanceled', 25: 'Marker', 26: 'Signal', 40: 'UpsertSA' };
for (const e of (history.events ?? []).slice(0, Number(process.argv[3] ?? 40))) {
  const a = Object.keys(e).find((k) => k.endsWith('Attributes'));
  const A: any = a ? (e as any)[a] : {};
  console.log(String(e.eventId), names[e.eventType as number] ?? e.eventType, A?.activityType?.name ?? A?.signalName ?? A?.markerName ?? (A?.startToFireTimeout ? `${A.startToFireTimeout.seconds}s` : ''));
}
