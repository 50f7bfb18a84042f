/** How a fair-share policy groups sets when it counts each node's share (see {@link DistributorCapabilities.shareScope}). */
export const DISTRIBUTOR_SHARE_SCOPES = ['database', 'cluster'] as const;

/** One of {@link DISTRIBUTOR_SHARE_SCOPES}. */
export type DistributorShareScope = (typeof DISTRIBUTOR_SHARE_SCOPES)[number];

/**
 * What a coordinator may know about a distributor beyond its members, as data: every field is
 * optional and an absent one means its default, so a third-party distributor states only what
 * differs (or nothing).
 * @example readonly capabilities = { shareScope: 'cluster' } as const; // one set per database
 */
export interface DistributorCapabilities {
  /**
   * Takes no locks: every set is always held (`hasLock` is `true`, `tryAttain*` hold everything,
   * sets are never lost). The coordinator runs such a distributor in `Solo` mode only, and `Solo`
   * mode with such a distributor only. Default `false`.
   */
  readonly solo?: boolean;
  /**
   * How a fair-share policy groups the sets when it counts each node's share: `'database'` (one
   * share per database) or `'cluster'` (one share over every database's sets: right for one set
   * per database, as MultiTenanted builds, where per-database shares would leave nothing to
   * share). Default `'database'`.
   */
  readonly shareScope?: DistributorShareScope;
}
