/**
 * Bucket boundaries (seconds) per histogram, handed to the SDK as `advice.explicitBucketBoundaries`
 * (the SDK's default `[0, 5, 10, 25, ... 10000]` is meant for milliseconds: every cycle and round
 * trip would land in `le="5"`). Round trips follow the semantic conventions' advice for
 * `db.client.operation.duration`; cycles and regains are wider.
 */
export const HISTOGRAM_BUCKETS = Object.freeze({
  /** One coordinator cycle: a few ms when steady, seconds when it drains or waits for grants. */
  cycleDuration: Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  /** One lock round trip (semantic conventions, `db.client.operation.duration`). */
  lockRoundTripDuration: Object.freeze([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]),
  /** From losing a set to owning it again: a takeover grace to minutes. */
  regainDuration: Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]),
});
