/** Shared by the security tests on the real network. */
import type { Answer } from "../../../support/gateway-harness.js";

/**
 * Repeats a setup call while it answers 404: a write endorsed by another org's
 * peer right after a commit can reach that peer before the block does (the
 * gateway answers once the submitting org's peer has committed).
 */
export async function afterPropagation(send: () => Promise<Answer>, timeoutMs = 20_000): Promise<Answer> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await send();
    if (res.status !== 404 || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 500));
  }
}
