// The services table's data: GET /v1/services once the feed is live, then each transition the
// feed reports re-reads that service. Every read gets a ticket when it starts; a reply older
// than what a row already shows is dropped, so replies arriving out of order never roll a row back.
import { useEffect, useState } from 'preact/hooks';
import { get, session } from './api.js';
import { openFeed } from './feed.js';
import { servicePath, topState } from './format.js';

const REREAD_MS = 150;
const LIST_LIMIT = 500;

export function useLiveServices(onError) {
  const [services, setServices] = useState(() => new Map());
  const [status, setStatus] = useState('connecting');

  useEffect(() => {
    let ticket = 0;
    let stopped = false;
    let listed = false;
    const shown = new Map();
    const timers = new Map();

    const apply = (issued, list) => {
      const fresh = list.filter((service) => (shown.get(service.service_id) ?? -1) < issued);
      if (stopped || fresh.length === 0) return;
      for (const service of fresh) shown.set(service.service_id, issued);
      setServices((previous) => new Map([...previous, ...fresh.map((service) => [service.service_id, service])]));
    };
    const read = async (path, pick) => {
      const issued = ++ticket;
      try {
        apply(issued, pick(await get(path)));
      } catch (error) {
        if (!stopped) onError(error);
      }
    };
    const loadList = () => {
      if (listed) return;
      listed = true;
      void read(`/v1/services?limit=${LIST_LIMIT}`, (body) => body.services);
    };
    // Transitions come in bursts while a site is built: one re-read per service per burst.
    const reread = (id) => {
      if (timers.has(id)) return;
      timers.set(id, setTimeout(() => {
        timers.delete(id);
        void read(servicePath(id), (body) => [body.service]);
      }, REREAD_MS));
    };
    const onMessage = (message) => {
      // After hello, so that no transition falls between the list and the live feed.
      if (message.type === 'hello') loadList();
      if (message.type !== 'transition') return;
      // Show the new state at once; the re-read brings the rest (step, errors, domains). Replies
      // to reads begun before this transition are older than it: their tickets no longer count.
      if (shown.has(message.service_id)) shown.set(message.service_id, ++ticket);
      setServices((previous) => {
        const row = previous.get(message.service_id);
        if (row === undefined) return previous;
        return new Map(previous).set(message.service_id, { ...row, state: topState(message.to), step: message.step });
      });
      reread(message.service_id);
    };
    const onStatus = (next) => {
      setStatus(next);
      // No feed (yet): show the list anyway; an API error then says what is wrong.
      if (next === 'reconnecting') loadList();
    };
    const close = openFeed({ token: session.token(), onMessage, onStatus });
    return () => {
      stopped = true;
      close();
      for (const timer of timers.values()) clearTimeout(timer);
    };
  }, []);

  return { services, status };
}
