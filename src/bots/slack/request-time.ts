/**
 * Slack's replay window for the HTTP Events API: a signed request is good for five minutes
 * around its `x-slack-request-timestamp`. Bolt's HTTPReceiver refuses only timestamps too far in
 * the past, so a request signed for a future time (captured, or made with a leaked signature
 * for later) would be accepted until then. This refuses both directions before Bolt sees it.
 */
import type { HTTPReceiver } from '@slack/bolt';

/** Largest difference, either way, between a request's timestamp and now. */
export const REQUEST_WINDOW_SEC = 5 * 60;

/**
 * Wraps `receiver`'s request listener: a request carrying `x-slack-request-timestamp` that is not
 * a number within REQUEST_WINDOW_SEC of now gets 401 (Bolt still checks the signature of the rest).
 */
export function refuseRequestsOutsideWindow(receiver: HTTPReceiver, onRefused?: (line: string) => void, now: () => number = Date.now): void {
  const inner = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const header = req.headers['x-slack-request-timestamp'];
    if (header !== undefined) {
      const ts = Number(header);
      const skew = Number.isFinite(ts) ? ts - now() / 1000 : Infinity;
      if (Math.abs(skew) > REQUEST_WINDOW_SEC) {
        onRefused?.(`Refused a Slack request timestamped ${Number.isFinite(skew) ? `${Math.round(skew)} s from now` : 'with no valid time'} (allowed: ±${REQUEST_WINDOW_SEC} s). Check this machine's clock if it recurs.`);
        res.writeHead(401).end();
        req.resume();
        return;
      }
    }
    inner(req, res);
  };
}
