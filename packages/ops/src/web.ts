// `@polecat/ops/web`: the live status page (plain node:http).
export { startStatusServer, type StatusServer, type StatusServerOptions, type StatusState } from './web/status-server';
export { diffHolders, type TimelineEntry } from './web/takeover-timeline';
