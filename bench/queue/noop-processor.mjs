// Sandboxed BullMQ processor for the overhead measurement: sleeps 20 ms and returns, so what is
// timed around it is the queue (Redis round trips, worker thread hand-off, events), not work.
export default async function noop() {
  await new Promise((r) => setTimeout(r, 20));
  return { ok: true };
}
