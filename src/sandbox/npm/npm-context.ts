/** What the NPM routes and services share: one simulated NPM instance. */
import type { Latency } from '../core/timing.js';
import type { CertbotModel } from './certbot-model.js';
import type { NginxModel } from './nginx-model.js';
import type { NpmStore } from './npm-store.js';
import type { NpmUser } from './npm-views.js';
import type { TokenService } from './token-service.js';

export interface NpmContext {
  readonly latency: Latency;
  readonly now: () => number;
  readonly store: NpmStore;
  readonly nginx: NginxModel;
  readonly certbot: CertbotModel;
  readonly tokens: TokenService;
  /** The one NPM user: an administrator (visibility "all") without 2FA. */
  readonly user: NpmUser;
  readonly secret: string;
}
