// Small, pure formatting helpers shared by the views.

/** The top-level state of a transition's `to` ("provisioning.building.site…|…" → "provisioning"). */
export function topState(path) {
  return (path ?? '').split('|')[0].split('.')[0];
}

/** "42 s", "5 min", "3 h", "2 d": how long ago `at` (epoch ms) was. */
export function age(at, now) {
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/** Local wall-clock time with milliseconds: transitions often come a few ms apart. */
export function clock(at) {
  const time = new Date(at);
  const pad = (value, width = 2) => String(value).padStart(width, '0');
  return `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
}

/** The error to show for a service: a failure of its phase first, else a step backing off. */
export function errorText(service) {
  if (service.failure) return `${service.failure.phase}/${service.failure.step}: ${service.failure.message}`;
  if (service.last_error) return service.last_error.message;
  return '';
}

export const servicePath = (id) => `/v1/services/${encodeURIComponent(id)}`;
