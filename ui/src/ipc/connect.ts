// How a window connects to the counter: the same for the staff and the customer window.
// A try that fails (the app not answering yet, a command refused) is logged, the window
// shows that it is not connected, and the window tries again, waiting longer each time.

import { describeError } from "./index";

/** The waits before each new try, in ms; the last repeats. */
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const;

/** The wait after try `attempt` (from 0) failed. */
function retryWait(attempt: number): number {
  return RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 30_000;
}

/**
 * Runs `connect` until it resolves. After each failure it calls `failed` (the window
 * shows it is not connected) and tries again after 1 s, 2 s, 5 s, 10 s, then every 30 s.
 * `name` names the window in the log.
 */
export async function connectWithRetry(name: string, connect: () => Promise<void>, failed: () => void): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await connect();
      return;
    } catch (error) {
      const wait = retryWait(attempt);
      console.error(`${name} window could not connect (try ${attempt + 1}; again in ${wait} ms):`, describeError(error));
      failed();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
