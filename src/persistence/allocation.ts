/**
 * Picking a subdomain, private IP and VMID for a new service. Runs inside the IMMEDIATE
 * transaction of services.create(), so what it reads cannot change before the insert; the
 * partial unique indexes stay the last line of defence.
 */
import { AppError } from '../errors.js';
import { intToIpv4, ipv4ToInt } from '../domain/ipv4.js';
import { subdomainBase, withSuffix } from '../domain/subdomain.js';
import type { Allocation, AllocationPolicy } from './types.js';
import type { Db } from './database.js';

/** Suffixes tried after the plain base; 36^4 combinations make failing all of them freak luck. */
const SUFFIX_ATTEMPTS = 20;
/** Matches the `>> 8` of the allocation_blocks triggers. */
const BLOCK_SIZE = 256;

/** An allocation plus the address as a number, the form the allocations table stores. */
export interface PickedAllocation extends Allocation {
  readonly privateIpNum: number;
}

export type Allocator = (email: string, policy: AllocationPolicy) => PickedAllocation;

export function createAllocator(db: Db): Allocator {
  const subdomainTaken = db.prepare<[string], number>('SELECT 1 FROM allocations WHERE subdomain = ? AND released_at IS NULL').pluck();
  const lowestIp = createLowestFree(db, 'ip', 'private_ip_num');
  const lowestVmid = createLowestVmid(db);

  function pickSubdomain(email: string, policy: AllocationPolicy): string {
    const reserved = new Set(policy.reservedSubdomains);
    const free = (name: string) => !reserved.has(name) && subdomainTaken.get(name) === undefined;
    const base = subdomainBase(email);
    if (free(base)) return base;
    for (let attempt = 0; attempt < SUFFIX_ATTEMPTS; attempt++) {
      const candidate = withSuffix(base, policy.random);
      if (free(candidate)) return candidate;
    }
    throw new AppError('SUBDOMAIN_EXHAUSTED', `no free subdomain for "${base}" after ${SUFFIX_ATTEMPTS} random suffixes`, {
      details: { base },
    });
  }

  return (email, policy) => {
    const subdomain = pickSubdomain(email, policy);
    const { first, last } = policy.ipPool;
    const ip = lowestIp(ipv4ToInt(first), ipv4ToInt(last));
    if (ip === undefined) {
      throw new AppError('IP_POOL_EXHAUSTED', `no free private IP in ${first}-${last}`, { retryable: false, details: { first, last } });
    }
    return { subdomain, privateIp: intToIpv4(ip), privateIpNum: ip, vmid: pickVmid(lowestVmid, policy) };
  };
}

/** The lowest VMID of the range held by no live allocation and not known to be foreign. */
export function pickVmid(lowestVmid: (first: number, last: number) => number | undefined, policy: AllocationPolicy): number {
  const vmid = lowestVmid(policy.vmidRange.first, policy.vmidRange.last);
  if (vmid === undefined) {
    throw new AppError('VMID_RANGE_EXHAUSTED', `no free VMID in ${policy.vmidRange.first}-${policy.vmidRange.last}`, {
      retryable: false,
      details: { ...policy.vmidRange },
    });
  }
  return vmid;
}

/**
 * Lowest free VMID, skipping those Proxmox showed to be someone else's. They are few (guests
 * made outside provisiond), so each is stepped over with one indexed lookup.
 */
export function createLowestVmid(db: Db): (first: number, last: number) => number | undefined {
  const lowestFree = createLowestFree(db, 'vmid', 'vmid');
  const foreign = db.prepare<[number], number>('SELECT 1 FROM foreign_vmids WHERE vmid = ?').pluck();
  return (first, last) => {
    let from = first;
    for (;;) {
      const vmid = lowestFree(from, last);
      if (vmid === undefined || foreign.get(vmid) === undefined) return vmid;
      from = vmid + 1;
    }
  };
}

/** count(*), min() and max() of a set of distinct integers within a range. */
interface Spread {
  readonly count: number;
  readonly lowest: number | null;
  readonly highest: number | null;
}

/** An aggregate query always yields one row; this stands in for the `undefined` in its type. */
const EMPTY: Spread = { count: 0, lowest: null, highest: null };

/** An inclusive range of values. */
interface Span {
  readonly low: number;
  readonly high: number;
}

interface BlockRange {
  readonly kind: string;
  readonly from: number;
  readonly to: number;
}

/**
 * The first integer from `low` on that is not in a set of distinct integers, given the set's
 * count, lowest and highest member from `low` on. Pools fill from the bottom, so the set is
 * usually one run starting at `low` and the answer follows from the three aggregates, which
 * SQLite computes without handing rows to JavaScript; only a set with holes is walked.
 */
function firstMissing(low: number, spread: Spread, members: () => Iterable<number>): number {
  const { count, lowest, highest } = spread;
  if (lowest === null || highest === null || lowest > low) return low;
  if (highest - low + 1 === count) return highest + 1;
  let candidate = low;
  for (const value of members()) {
    if (value > candidate) break;
    candidate = value + 1;
  }
  return candidate;
}

/**
 * The lowest value in [first, last] not held by a live allocation, or undefined.
 * Two levels, so the cost does not grow with every live row: first the lowest block of 256
 * values that is absent (empty) or has room, from allocation_blocks; then the lowest free
 * value inside it.
 *
 * Both levels read the live counts the triggers keep instead of counting rows. Inside a whole
 * block the live count is the number of held values, so the block is searched with two index
 * probes (its lowest and highest held value); only a block with holes (releases) is walked.
 * An edge block, only partly inside the range (a pool starting at .1), has room when its held
 * values *within the range* are fewer than its values in the range: judged by its live count
 * alone it would look roomy forever at 255 of 256 and be searched in vain on every allocation.
 * Only when values outside the range share the block (a pool an operator moved) are they
 * counted row by row.
 */
function createLowestFree(db: Db, kind: 'ip' | 'vmid', column: 'private_ip_num' | 'vmid') {
  const blockSpread = db.prepare<[BlockRange & { innerFrom: number; innerTo: number }], Spread & { roomy: number | null }>(`
    SELECT count(*) AS count, min(block) AS lowest, max(block) AS highest,
           min(CASE WHEN live < ${BLOCK_SIZE} AND block BETWEEN @innerFrom AND @innerTo THEN block END) AS roomy
    FROM allocation_blocks WHERE kind = @kind AND block BETWEEN @from AND @to`);
  const blocks = db.prepare<[BlockRange], number>('SELECT block FROM allocation_blocks WHERE kind = @kind AND block BETWEEN @from AND @to ORDER BY block').pluck();
  const blockLive = db.prepare<[string, number], number>('SELECT live FROM allocation_blocks WHERE kind = ? AND block = ?').pluck();
  // The column name is one of two constants, never input.
  const liveRange = `FROM allocations WHERE released_at IS NULL AND ${column} BETWEEN @low AND @high`;
  // Each in its own subquery, so each is one probe of the partial index (SQLite's min/max optimisation).
  const heldEnds = db.prepare<[Span], { lowest: number | null; highest: number | null }>(
    `SELECT (SELECT min(${column}) ${liveRange}) AS lowest, (SELECT max(${column}) ${liveRange}) AS highest`,
  );
  const heldAny = db.prepare<[Span], number>(`SELECT 1 ${liveRange} LIMIT 1`).pluck();
  const heldSpread = db.prepare<[Span], Spread>(`SELECT count(*) AS count, min(${column}) AS lowest, max(${column}) AS highest ${liveRange}`);
  const held = db.prepare<[Span], number>(`SELECT ${column} ${liveRange} ORDER BY ${column}`).pluck();

  const blockSpan = (block: number): Span => ({ low: block * BLOCK_SIZE, high: block * BLOCK_SIZE + BLOCK_SIZE - 1 });
  const isWhole = (block: number, span: Span): boolean => span.low === block * BLOCK_SIZE && span.high === block * BLOCK_SIZE + BLOCK_SIZE - 1;
  const within = (block: number, first: number, last: number): Span => {
    const whole = blockSpan(block);
    return { low: Math.max(first, whole.low), high: Math.min(last, whole.high) };
  };

  /** Values of `block` held outside `span` (its part of the range). */
  function heldOutside(block: number, span: Span): boolean {
    const whole = blockSpan(block);
    return (
      (span.low > whole.low && heldAny.get({ low: whole.low, high: span.low - 1 }) !== undefined) ||
      (span.high < whole.high && heldAny.get({ low: span.high + 1, high: whole.high }) !== undefined)
    );
  }

  /** count, lowest and highest held value in `span`, a part of `block`. */
  function heldIn(block: number, span: Span): Spread {
    const live = blockLive.get(kind, block) ?? 0;
    if (live === 0) return EMPTY;
    if (!isWhole(block, span) && heldOutside(block, span)) return heldSpread.get(span) ?? EMPTY;
    const { lowest, highest } = heldEnds.get(span) ?? { lowest: null, highest: null };
    return { count: live, lowest, highest };
  }

  /** An edge block (partly outside the range) with a free value inside it. */
  function edgeHasRoom(block: number, span: Span): boolean {
    return heldIn(block, span).count < span.high - span.low + 1;
  }

  function openBlock(first: number, last: number): number | undefined {
    const range = { kind, from: Math.floor(first / BLOCK_SIZE), to: Math.floor(last / BLOCK_SIZE) };
    const firstEdge = isWhole(range.from, within(range.from, first, last)) ? null : range.from;
    const lastEdge = isWhole(range.to, within(range.to, first, last)) ? null : range.to;
    const inner = { innerFrom: firstEdge === null ? range.from : range.from + 1, innerTo: lastEdge === null ? range.to : range.to - 1 };
    if (firstEdge !== null && edgeHasRoom(firstEdge, within(firstEdge, first, last))) return firstEdge;
    const { roomy, ...spread } = blockSpread.get({ ...range, ...inner }) ?? { ...EMPTY, roomy: null };
    const open = Math.min(roomy ?? Infinity, firstMissing(range.from, spread, () => blocks.all(range)));
    if (open <= range.to && open < (lastEdge ?? Infinity)) return open;
    return lastEdge !== null && edgeHasRoom(lastEdge, within(lastEdge, first, last)) ? lastEdge : undefined;
  }

  return (first: number, last: number): number | undefined => {
    const block = openBlock(first, last);
    if (block === undefined) return undefined;
    const span = within(block, first, last);
    const free = firstMissing(span.low, heldIn(block, span), () => held.all(span));
    // A block with room has a free value in its span; anything else is a broken count.
    if (free > span.high) throw new AppError('INTERNAL', `allocation_blocks says ${kind} block ${block} has room, but it has none`);
    return free;
  };
}
