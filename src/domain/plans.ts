/** What a plan gives a site. Plans come from configuration (src/config.ts). */
export interface Plan {
  readonly name: string;
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly cores: number;
  /** How many custom domains a service on this plan may attach. */
  readonly domainQuota: number;
}

/** The defaults shipped with provisiond; the mission's basic plan and two larger tiers. */
export const DEFAULT_PLANS: readonly Plan[] = [
  { name: 'basic', memoryMb: 2048, diskGb: 20, cores: 1, domainQuota: 3 },
  { name: 'premium', memoryMb: 4096, diskGb: 40, cores: 2, domainQuota: 5 },
  { name: 'business', memoryMb: 8192, diskGb: 80, cores: 4, domainQuota: 10 },
];
