import { describe, expect, it } from "vitest";
import { formatDuration, formatProgress } from "./progress";

describe("progress line", () => {
  it("shows the bar, rate, losses, capacity and ETA", () => {
    const line = formatProgress({ step: 250, total: 1000, imagesPerSec: 320, stepsPerSec: 5, recon: 41.234, kl: 12.5, capacity: 6.25 }, 120);
    expect(line).toMatch(/^\[=+> +\]  25% +250\/1000 \| 320 img\/s \| recon 41\.23 \| KL 12\.50 \| C 6\.25 \| ETA 2m30s$/);
    expect(formatProgress({ step: 1000, total: 1000, imagesPerSec: 320, stepsPerSec: 5, recon: 1, kl: 1, capacity: null }, 120)).toMatch(/100% 1000\/1000 .*KL 1\.00 \| ETA 0s$/);
  });
  it("formats durations", () => {
    expect(formatDuration(59.4)).toBe("59s");
    expect(formatDuration(61)).toBe("1m01s");
    expect(formatDuration(7322)).toBe("2h02m");
    expect(formatDuration(Number.NaN)).toBe("?");
  });
});
