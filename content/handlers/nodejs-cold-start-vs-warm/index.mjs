// Cold start versus warm start in Node.js: what runs once per environment, what runs per call.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

// ---- INIT phase: the module's top level runs once, on a cold start. ----
const initStarted = performance.now();

// Pretend we load something expensive (an SDK client, a model, a big config): build a lookup
// table, then wait for "the network" (top-level await) so INIT takes about 400 ms.
const LOOKUP = new Map();
for (let i = 0; i < 20000; i += 1) {
  LOOKUP.set(i, createHash("sha256").update(String(i)).digest("hex").slice(0, 8));
}
await sleep(400);

const INIT_MS = Math.round((performance.now() - initStarted) * 10) / 10;
const ENVIRONMENT_BORN = Date.now();
let invocations = 0; // survives between calls while this environment stays warm
// ------------------------------------------------------------------------

export const handler = async (event, context) => {
  invocations += 1;
  const cold = invocations === 1; // the first call in an environment pays for INIT

  console.log(`invocation ${invocations} in this environment (cold=${cold})`);
  return {
    cold_start: cold,
    invocation_count: invocations,
    init_ms_measured_in_code: INIT_MS,
    environment_age_s: Math.round((Date.now() - ENVIRONMENT_BORN) / 10) / 100,
    sample_lookup: LOOKUP.get(42),
    request_id: context.awsRequestId,
  };
};
