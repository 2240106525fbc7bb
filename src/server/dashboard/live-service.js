// One service's page data: its view and domains (re-read after each of its transitions), its
// whole transition history (the feed with since=0 replays it, then goes on live) and its log
// (GET …/log for the tail, then the feed's log lines as they are written).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { get, session } from './api.js';
import { openFeed } from './feed.js';
import { servicePath } from './format.js';

const REREAD_MS = 150;
const LOG_TAIL = 200;
const LOG_KEEP = 1000;

const lineKey = (entry) => `${entry.at}\n${entry.line}`;

export function useLiveService(id, onError) {
  const [service, setService] = useState(null);
  const [domains, setDomains] = useState(null);
  const [transitions, setTransitions] = useState([]);
  const [log, setLog] = useState([]);
  const [status, setStatus] = useState('connecting');
  const reread = useRef(() => {});

  useEffect(() => {
    let stopped = false;
    let timer;
    const path = servicePath(id);
    const fail = (error) => {
      if (!stopped) onError(error);
    };
    // A reply to an older read that arrives late must not roll the page back.
    let issued = 0;
    const shown = { service: 0, domains: 0 };
    const latest = (kind, ticket, apply) => (body) => {
      if (stopped || ticket <= shown[kind]) return;
      shown[kind] = ticket;
      apply(body);
    };
    const readNow = () => {
      clearTimeout(timer);
      timer = undefined;
      const ticket = ++issued;
      get(path).then(latest('service', ticket, (body) => setService(body.service)), fail);
      get(`${path}/domains`).then(latest('domains', ticket, setDomains), fail);
    };
    reread.current = readNow;
    readNow();

    // Live log lines that arrive before the tail is read are held, then added unless the tail has them.
    let held = [];
    get(`${path}/log?limit=${LOG_TAIL}`).then((body) => {
      if (stopped) return;
      const seen = new Set(body.lines.map(lineKey));
      setLog([...body.lines, ...held.filter((entry) => !seen.has(lineKey(entry)))].slice(-LOG_KEEP));
      held = null;
    }, fail);

    const seqs = new Set();
    const onMessage = (message) => {
      if (message.type === 'log') {
        const entry = { at: message.at, line: message.line };
        if (held !== null) held.push(entry);
        else setLog((previous) => [...previous, entry].slice(-LOG_KEEP));
      } else if (message.type === 'transition' && !seqs.has(message.seq)) {
        seqs.add(message.seq);
        setTransitions((previous) => [...previous, message]);
        timer ??= setTimeout(readNow, REREAD_MS);
      }
    };
    const close = openFeed({ token: session.token(), query: { serviceId: id, logs: true, since: 0 }, onMessage, onStatus: setStatus });
    return () => {
      stopped = true;
      clearTimeout(timer);
      close();
    };
  }, [id]);

  const refresh = useCallback(() => reread.current(), []);
  return { service, domains, transitions, log, status, refresh };
}
