/**
 * What an authoritative-only name server answers, computed from `World`'s TXT records and
 * encoded with dns-packet. Choices, modelled on BIND/NSD for a zone they own:
 * - TXT (or ANY) for a name with TXT values: NOERROR, `aa`, one RR per value, TTL 60, each value
 *   split into ≤255-byte character-strings (resolvers join them back).
 * - A name with no TXT values: NXDOMAIN — unless it is an empty non-terminal (a longer name
 *   below it has records), which is NOERROR with no answers (NODATA), as real servers answer.
 * - Any other type: NODATA for a name that exists, NXDOMAIN otherwise (no SOA in the authority
 *   section: the sandbox does not model zones, so negative answers are simply not cached).
 * - Opcode other than QUERY: NOTIMP. Not exactly one question: FORMERR. Class not IN/ANY:
 *   REFUSED. Undecodable query with a readable header: FORMERR; shorter than a header, or a
 *   response (QR set): dropped, so that two servers can never answer each other forever.
 * - RD is echoed, RA never set. EDNS0 queries get an OPT back; an answer larger than the
 *   client's UDP size is truncated (TC) so that the client retries over TCP.
 */
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';
import type { World } from '../core/world.js';
import { normaliseName } from '../core/world.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export const TXT_TTL = 60;
const EDNS_PAYLOAD = 1232;
const QR = 1 << 15;

export interface AnswerOptions {
  /** The most a UDP answer may carry; TCP passes 65535. */
  readonly transport: 'udp' | 'tcp';
  /** An injected `status` fault: answer SERVFAIL. */
  readonly servfail: boolean;
}

function chunks(value: string): Buffer[] {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) parts.push(bytes.subarray(i, i + 255));
  return parts.length === 0 ? [Buffer.alloc(0)] : parts;
}

function nameExists(world: World, name: string): boolean {
  const key = normaliseName(name);
  if (world.txt(key).length > 0) return true;
  for (const owner of world.txtRecords.keys()) if (owner.endsWith(`.${key}`)) return true;
  return false;
}

function header(query: Buffer, rcode: number, authoritative: boolean): number {
  const flags = query.readUInt16BE(2);
  const opcode = (flags >> 11) & 0xf;
  return (opcode << 11) | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (flags & dnsPacket.RECURSION_DESIRED) | rcode;
}

function optFor(query: DecodedPacket | undefined): { opt: Answer[]; udpSize: number } {
  const asked = query?.additionals?.find((a) => a.type === 'OPT');
  if (asked === undefined || asked.type !== 'OPT') return { opt: [], udpSize: 512 };
  const opt: Answer = { type: 'OPT', name: '.', udpPayloadSize: EDNS_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
  return { opt: [opt], udpSize: Math.max(512, Math.min(asked.udpPayloadSize, EDNS_PAYLOAD)) };
}

/** The answer to one query packet, or null when the packet must be dropped. */
export function answerQuery(query: Buffer, world: World, options: AnswerOptions): Buffer | null {
  if (query.length < 12 || (query.readUInt16BE(2) & QR) !== 0) return null;
  const id = query.readUInt16BE(0);
  let decoded: DecodedPacket;
  try {
    decoded = dnsPacket.decode(query);
  } catch {
    return dnsPacket.encode({ id, type: 'response', flags: header(query, RCODE.FORMERR, false), questions: [] });
  }
  const { opt, udpSize } = optFor(decoded);
  const questions: Question[] = decoded.questions ?? [];
  const reply = (rcode: number, authoritative: boolean, answers: Answer[] = []): Buffer => {
    const packet = { id, type: 'response' as const, flags: header(query, rcode, authoritative), questions, answers, additionals: opt };
    const wire = dnsPacket.encode(packet);
    if (options.transport === 'tcp' || wire.length <= udpSize) return wire;
    return dnsPacket.encode({ ...packet, flags: packet.flags | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
  };

  if (((query.readUInt16BE(2) >> 11) & 0xf) !== 0) return reply(RCODE.NOTIMP, false);
  const question = questions[0];
  if (question === undefined || questions.length !== 1) return reply(RCODE.FORMERR, false);
  if (options.servfail) return reply(RCODE.SERVFAIL, false);
  if (question.class !== undefined && question.class !== 'IN' && question.class !== 'ANY') return reply(RCODE.REFUSED, false);

  if (!nameExists(world, question.name)) return reply(RCODE.NXDOMAIN, true);
  // dns-packet decodes QTYPE 255 as 'ANY', which its RecordType union does not list.
  const type: string = question.type;
  if (type !== 'TXT' && type !== 'ANY') return reply(RCODE.NOERROR, true);
  const answers: Answer[] = world.txt(question.name).map((value) => ({ type: 'TXT', name: question.name, class: 'IN', ttl: TXT_TTL, data: chunks(value) }));
  return reply(RCODE.NOERROR, true, answers);
}
