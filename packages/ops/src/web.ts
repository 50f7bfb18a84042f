// `@polecat/ops/web`: the live status page (plain node:http).
export { startStatusServer, type StatusServer, type StatusServerOptions, type StatusState } from './web/status-server';
export { KILLED_WINDOW_MS, diffHolders, reviseCauses, type HeardReleaseNotice, type TimelineCause, type TimelineEntry } from './web/takeover-timeline';
