/**
 * Searching captured output for secrets without ever printing one. Each secret is searched in
 * the forms it could take on the way to a log line: as is, JSON-escaped (a PEM's newlines),
 * URL-encoded, hex, and base64/base64url at each of the three byte alignments it could have
 * inside a longer encoded value (an `Authorization: Basic` header, a JWT claim). A hit names
 * the source, the line number and the secret's label and form — never the text around it.
 */
export interface Secret {
  /** What it is, for the report ("Proxmox token secret"); never the value. */
  readonly label: string;
  readonly value: string;
}

export interface Needle {
  readonly label: string;
  /** How the secret was encoded: `raw`, `base64@1`, `url`… */
  readonly form: string;
  readonly text: string;
}

/** A captured stream, split into lines when searched. */
export interface Source {
  readonly name: string;
  readonly text: string;
}

export interface Hit {
  readonly source: string;
  /** 1-based. */
  readonly line: number;
  readonly label: string;
  readonly form: string;
}

/** Shorter forms would match by chance (an encoded secret of a few bytes is a few characters). */
const MIN_NEEDLE = 12;

const base64url = (text: string): string => text.replace(/\+/g, '-').replace(/\//g, '_');

/**
 * The part of base64(…secret…) that depends only on the secret, for the secret starting at a
 * byte offset ≡ `skip`-dependent alignment: drop the first `skip` bytes so the rest starts on a
 * 3-byte group, and keep whole groups only (the last one mixes in whatever follows).
 */
function base64Core(bytes: Buffer, skip: number): string {
  const rest = bytes.subarray(skip);
  return rest.subarray(0, rest.length - (rest.length % 3)).toString('base64');
}

export function needlesOf(secret: Secret): Needle[] {
  const bytes = Buffer.from(secret.value, 'utf8');
  const forms: [string, string][] = [
    ['raw', secret.value],
    ['json', JSON.stringify(secret.value).slice(1, -1)],
    ['url', encodeURIComponent(secret.value)],
    ['form-url', new URLSearchParams({ v: secret.value }).toString().slice(2)],
    ['hex', bytes.toString('hex')],
  ];
  for (const skip of [0, 1, 2]) {
    const core = base64Core(bytes, skip);
    forms.push([`base64@${skip}`, core], [`base64url@${skip}`, base64url(core)]);
  }
  const seen = new Set<string>();
  return forms
    .filter(([, text]) => text.length >= MIN_NEEDLE && !seen.has(text) && seen.add(text))
    .map(([form, text]) => ({ label: secret.label, form, text }));
}

/** A PEM key: the whole text, and each base64 line of its body on its own. */
export function pemSecrets(label: string, pem: string): Secret[] {
  const body = pem.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('-----'));
  return [{ label, value: pem.trim() }, ...body.map((line, index) => ({ label: `${label}, body line ${index + 1}`, value: line }))];
}

/** Every place any needle occurs, each occurrence once; a needle may span lines (a PEM). */
export function findSecrets(sources: readonly Source[], secrets: readonly Secret[]): Hit[] {
  const needles = secrets.flatMap(needlesOf);
  const hits: Hit[] = [];
  for (const source of sources) {
    const lineStarts = [0];
    for (let i = source.text.indexOf('\n'); i !== -1; i = source.text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const lineAt = (offset: number): number => {
      let line = 0;
      while (line + 1 < lineStarts.length && (lineStarts[line + 1] ?? Infinity) <= offset) line++;
      return line + 1;
    };
    for (const needle of needles) {
      for (let at = source.text.indexOf(needle.text); at !== -1; at = source.text.indexOf(needle.text, at + 1)) {
        hits.push({ source: source.name, line: lineAt(at), label: needle.label, form: needle.form });
      }
    }
  }
  return hits;
}

/** A session credential an upstream issued (NPM hands out JWTs): never a log's business either. */
const JWT = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}/;

/** Lines holding something shaped like a JWT, as safe-to-print `source:line: what` entries. */
export function sessionTokenHits(sources: readonly Source[]): string[] {
  return sources.flatMap((source) =>
    source.text.split('\n').flatMap((line, index) => (JWT.test(line) ? [`${source.name}:${index + 1}: a JWT (a session token)`] : [])),
  );
}

export function countLines(sources: readonly Source[]): number {
  return sources.reduce((sum, source) => sum + (source.text === '' ? 0 : source.text.split('\n').length), 0);
}

/** One line per hit, safe to print: where, which secret, which form. */
export function describeHits(hits: readonly Hit[]): string {
  return hits.map((hit) => `${hit.source}:${hit.line}: ${hit.label} (${hit.form})`).join('\n');
}
