/* global WebSocket, URLSearchParams, location */
// The live feed, GET /v1/events over a WebSocket. Browsers cannot set headers on a WebSocket,
// so the token travels as the `bearer.<token>` subprotocol beside `provisiond.v1`. A dropped
// connection (server restart, 1013 slow consumer) reconnects with since=<last seq received>,
// so no transition is lost or repeated.
const RECONNECT_MS = 1000;

/**
 * Opens the feed; `query` holds service_id, logs and the first `since` (omitted: live only).
 * onStatus gets 'connecting' | 'live' | 'reconnecting'. Returns a function that closes it.
 */
export function openFeed({ token, query = {}, onMessage, onStatus = () => {} }) {
  let since = query.since;
  let socket;
  let timer;
  let closed = false;

  const connect = () => {
    const params = new URLSearchParams();
    if (query.serviceId !== undefined) params.set('service_id', query.serviceId);
    if (query.logs) params.set('logs', 'true');
    if (since !== undefined) params.set('since', String(since));
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    onStatus('connecting');
    try {
      socket = new WebSocket(`${scheme}//${location.host}/v1/events?${params}`, ['provisiond.v1', `bearer.${token}`]);
    } catch {
      // A token with characters a subprotocol cannot hold: the API calls will say it is wrong.
      onStatus('reconnecting');
      return;
    }
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'hello') {
        since ??= message.last_seq;
        onStatus('live');
      } else if (message.type === 'transition') {
        since = message.seq;
      }
      onMessage(message);
    };
    socket.onclose = () => {
      if (closed) return;
      onStatus('reconnecting');
      timer = setTimeout(connect, RECONNECT_MS);
    };
  };

  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    socket?.close();
  };
}
